package io.odyssey.gateway;

import io.odyssey.runtime.ProcessLauncher;

/** Entry point of the gateway process: the dashboard and the live fleet over WebSocket. */
public final class GatewayMain
{
    private GatewayMain()
    {
    }

    public static void main(final String[] args)
    {
        ProcessLauncher.run("ws-gateway", args, GatewayConfig.ALL, () -> Gateway.launch(new GatewayConfig()));
    }
}
