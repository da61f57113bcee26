package io.odyssey.simulator;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import org.agrona.concurrent.Agent;

import java.util.List;

/**
 * Polls the command subscriptions (the drones' own endpoint, and the command channels opened through ingest nodes'
 * control endpoints) into the {@link CommandIntake}. It runs on the publisher's thread (composed ahead of the
 * {@link TelemetryPublisherAgent}), so the fleet has a single writer and a command's ACCEPTED goes out in the duty
 * cycle the command arrived in. A mission of many waypoints is longer than one UDP frame: an assembler per
 * subscription puts its fragments back together (into a buffer it reuses).
 */
final class CommandReceiverAgent implements Agent
{
    /** Commands are rare next to telemetry; this bounds one cycle's share per subscription if a sender floods it. */
    static final int FRAGMENT_LIMIT = 64;

    private final Subscription[] subscriptions;
    private final FragmentAssembler[] assemblers;

    CommandReceiverAgent(final List<Subscription> subscriptions, final CommandIntake intake)
    {
        this.subscriptions = subscriptions.toArray(new Subscription[0]);
        this.assemblers = new FragmentAssembler[this.subscriptions.length];
        for (int i = 0; i < assemblers.length; i++)
        {
            assemblers[i] = new FragmentAssembler(intake);
        }
    }

    public int doWork()
    {
        int work = 0;
        for (int i = 0; i < subscriptions.length; i++)
        {
            work += subscriptions[i].poll(assemblers[i], FRAGMENT_LIMIT);
        }
        return work;
    }

    public String roleName()
    {
        return "command-receiver";
    }
}
