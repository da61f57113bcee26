package io.odyssey.simulator;

import io.odyssey.runtime.ProcessLauncher;

/** Entry point of the simulator process: many drones publishing telemetry to edge ingest over Aeron UDP. */
public final class SimulatorMain
{
    private SimulatorMain()
    {
    }

    public static void main(final String[] args)
    {
        ProcessLauncher.run("simulator", args, SimulatorConfig.ALL, () -> Simulator.launch(new SimulatorConfig()));
    }
}
