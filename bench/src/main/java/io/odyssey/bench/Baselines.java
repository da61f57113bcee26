package io.odyssey.bench;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.odyssey.runtime.AeronTransport;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor our figures are read against, measured in the same run on the same machine: one-way latency (round trip
 * / 2) of a frame the size of a telemetry frame over plain UDP loopback, and over a bare Aeron UDP publication and
 * subscription with an echo, both paced (not saturated) like the real load.
 */
final class Baselines
{
    static final int FRAME_BYTES = 78;

    private Baselines()
    {
    }

    /** Plain UDP loopback: a ping socket and an echo thread. */
    static Histogram udpEcho(final int messages, final long intervalNs) throws IOException, InterruptedException
    {
        final Histogram oneWay = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        try (DatagramChannel ping = DatagramChannel.open(); DatagramChannel echo = DatagramChannel.open())
        {
            ping.bind(new InetSocketAddress("127.0.0.1", 0));
            echo.bind(new InetSocketAddress("127.0.0.1", 0));
            ping.connect(echo.getLocalAddress());
            echo.connect(ping.getLocalAddress());
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread echoer = new Thread(() ->
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(256);
                while (running.get())
                {
                    try
                    {
                        buffer.clear();
                        if (echo.read(buffer) > 0)
                        {
                            buffer.flip();
                            echo.write(buffer);
                        }
                    }
                    catch (final IOException ex)
                    {
                        return;
                    }
                }
            }, "udp-echo");
            echoer.start();
            final ByteBuffer out = ByteBuffer.allocateDirect(256);
            final ByteBuffer in = ByteBuffer.allocateDirect(256);
            for (int i = 0; i < messages; i++)
            {
                final long start = System.nanoTime();
                out.clear().position(FRAME_BYTES).flip();
                ping.write(out);
                in.clear();
                ping.read(in);
                final long rtt = System.nanoTime() - start;
                if (i >= messages / 10)
                {
                    oneWay.recordValue(rtt / 2);
                }
                LockSupport.parkNanos(intervalNs);
            }
            running.set(false);
            echo.close();
            echoer.join(2_000);
        }
        return oneWay;
    }

    /** Bare Aeron UDP (embedded media driver, SHARED threading as in Odyssey): ping publication, echo subscription. */
    static Histogram aeronEcho(final int messages, final long intervalNs, final int basePort) throws InterruptedException
    {
        final Histogram oneWay = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        try (AeronTransport transport = AeronTransport.launchEmbedded(null, "bench-aeron-echo"))
        {
            final String there = AeronTransport.udpChannel("127.0.0.1:" + basePort);
            final String back = AeronTransport.udpChannel("127.0.0.1:" + (basePort + 1));
            final ExclusivePublication ping = transport.aeron().addExclusivePublication(there, 42);
            final Subscription echoIn = transport.aeron().addSubscription(there, 42);
            final ExclusivePublication pong = transport.aeron().addExclusivePublication(back, 43);
            final Subscription pingIn = transport.aeron().addSubscription(back, 43);
            while (!ping.isConnected() || !pong.isConnected())
            {
                Thread.sleep(10);
            }
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread echoer = new Thread(() ->
            {
                while (running.get())
                {
                    if (echoIn.poll((buffer, offset, length, header) ->
                    {
                        while (pong.offer(buffer, offset, length) < 0)
                        {
                            Thread.onSpinWait();
                        }
                    }, 10) == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
            }, "aeron-echo");
            echoer.start();
            final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME_BYTES));
            final long[] received = new long[1];
            for (int i = 0; i < messages; i++)
            {
                final long start = System.nanoTime();
                while (ping.offer(frame, 0, FRAME_BYTES) < 0)
                {
                    Thread.onSpinWait();
                }
                received[0] = 0;
                while (received[0] == 0)
                {
                    if (pingIn.poll((buffer, offset, length, header) -> received[0] = 1, 1) == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
                final long rtt = System.nanoTime() - start;
                if (i >= messages / 10)
                {
                    oneWay.recordValue(rtt / 2);
                }
                LockSupport.parkNanos(intervalNs);
            }
            running.set(false);
            echoer.join(2_000);
        }
        return oneWay;
    }
}
