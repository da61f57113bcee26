package io.odyssey.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The extra clients of a fan-out run, in a process of their own that the harness starts at the lowest CPU priority
 * ({@code nice -n 19}): they load the gateway like real browsers (read every frame), but on a two-core machine they
 * must not starve the measured client and the gateway. Runs until its standard input closes; prints the bytes read.
 * Usage: FanoutClients PORT COUNT [json|binary]
 */
public final class FanoutClients
{
    private FanoutClients()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int port = Integer.parseInt(args[0]);
        final int count = Integer.parseInt(args[1]);
        final boolean binary = args.length > 2 && "binary".equals(args[2]);
        final AtomicLong bytes = new AtomicLong();
        final HttpClient http = HttpClient.newHttpClient();
        final List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final WebSocket.Builder builder = http.newWebSocketBuilder();
            if (binary)
            {
                builder.subprotocols("odyssey.bin.v1", "odyssey.v1");
            }
            sockets.add(builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/fleet"),
                new WebSocket.Listener()
                {
                    public CompletionStage<?> onBinary(final WebSocket socket, final java.nio.ByteBuffer data, final boolean last)
                    {
                        bytes.addAndGet(data.remaining());
                        socket.request(1);
                        return null;
                    }

                    public CompletionStage<?> onText(final WebSocket socket, final CharSequence data, final boolean last)
                    {
                        bytes.addAndGet(data.length());
                        socket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS));
        }
        System.out.println("connected " + count);
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // wait for the harness to close our input
        }
        System.out.println("bytes " + bytes.get());
        sockets.forEach(WebSocket::abort);
        System.exit(0);
    }
}
