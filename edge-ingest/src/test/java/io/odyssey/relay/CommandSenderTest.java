package io.odyssey.relay;

import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sender stamps a link's last use on the clock the sweep closes idle links by ({@link LedgerSweep}'s pacing clock,
 * injected): stamped with {@code System.nanoTime()} instead, a sweep run on any other clock (a test's, or a future
 * one) closed a link just used, or kept an idle one open for as long as the two clocks disagreed.
 */
class CommandSenderTest
{
    private static final int STREAM = 1003;
    private static final int LOCALHOST = 0x7F00_0001;
    private static final long DRONE = 42;
    private static final long T0 = 1_764_000_000_000_000_000L;

    private static AeronTransport transport;

    @BeforeAll
    static void startDriver()
    {
        transport = AeronTransport.launchEmbedded(null, "command-sender-test");
    }

    @AfterAll
    static void stopDriver()
    {
        transport.close();
    }

    @Test
    void shouldStampALinkOnTheClockTheSweepClosesIdleLinksBy() throws Exception
    {
        // A clock an hour off System.nanoTime(): any origin is as good as another for a monotonic clock.
        final long[] now = {System.nanoTime() + TimeUnit.HOURS.toNanos(1)};
        try (CommandLinks links = new CommandLinks(transport.aeron(), STREAM, null, 10))
        {
            final FrameSigner signer = new FrameSigner(
                DroneKeyRing.of(DroneKeys.of(new DroneKey(DRONE, new byte[DroneKey.LENGTH]))), () -> T0, 1);
            final CommandSender sender = new CommandSender(null, links, signer, "ingest-1", null,
                new CommandRelay.CommandMetrics(new Metrics("command-sender-test")), () -> now[0]);
            links.update(DRONE, LOCALHOST, freePort(), 0, null);

            // Nothing listens at the drone's endpoint: not sent (the ledger is not touched), but the link is open.
            sender.send(CommandRecord.issued(1, DRONE, CommandType.HOLD, CommandParameters.NONE, null, "ops",
                "127.0.0.1", T0, T0 + TimeUnit.MINUTES.toNanos(5)), T0);
            assertThat(links.openLinks()).isEqualTo(1);

            links.closeIdle(now[0] + CommandLinks.IDLE_CLOSE_NS);
            assertThat(links.openLinks()).as("used exactly the idle time ago on the sweep's clock: open").isEqualTo(1);
            links.closeIdle(now[0] + CommandLinks.IDLE_CLOSE_NS + 1);
            assertThat(links.openLinks()).as("idle longer on the sweep's clock: closed").isZero();
        }
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
