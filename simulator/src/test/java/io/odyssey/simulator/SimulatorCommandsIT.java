package io.odyssey.simulator;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandType;
import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * A real simulator taking a command over Aeron UDP from a "ground" (a second embedded driver playing the ingest node):
 * the ground hears where the drone takes commands from its heartbeat, publishes a Command frame there, resends it until
 * the drone answers (as the ground does), and hears ACCEPTED, progress and DONE on the drone's telemetry stream.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SimulatorCommandsIT
{
    private static final long FIRST_ID = 501;
    private static final long DRONE = 502;
    private static final int STREAM_ID = 1001;
    private static final int COMMAND_STREAM_ID = 1002;
    private static final long COMMAND_ID = 7_000_001;

    private final IdleStrategy idle = IdleStrategies.backoff();
    /** The simulated drones' keys, shared with this "ground" as with an ingest node. */
    private static final java.nio.file.Path KEYS = TestDroneKeys.file(FIRST_ID, FIRST_ID + 3);
    private final CommandFrames frames = new CommandFrames();
    private AeronTransport ground;
    private Subscription ingest;
    private ExclusivePublication commands;

    @BeforeEach
    void startGround()
    {
        frames.signer = TestDroneKeys.signer(KEYS, 200);
        ground = AeronTransport.launchEmbedded(null, "simulator-commands-it-ground");
    }

    @AfterEach
    void stopGround()
    {
        CloseHelper.quietCloseAll(commands, ingest, ground);
    }

    @Test
    void shouldRunACommandSentToTheAdvertisedEndpointAndAnswerItOnTheTelemetryStream() throws Exception
    {
        final String ingestEndpoint = "127.0.0.1:" + freePort();
        ingest = ground.aeron().addSubscription(AeronTransport.udpChannel(ingestEndpoint), STREAM_ID);
        final Heard heard = new Heard(ingest);
        try (Simulator simulator = Simulator.launch(config(ingestEndpoint)))
        {
            assertThat(simulator.commandEndpoint()).startsWith("127.0.0.1:").doesNotEndWith(":0");
            final int commandPort = Integer.parseInt(simulator.commandEndpoint().substring("127.0.0.1:".length()));

            // Where to send: only what the heartbeat says, as the ingest node knows it.
            pollUntil(heard, () -> heard.commandPort != 0 && !Double.isNaN(heard.latitude), Duration.ofSeconds(20));
            assertThat(heard.commandAddress).as("127.0.0.1 as an int").isEqualTo(0x7F00_0001);
            assertThat(heard.commandPort).isEqualTo(commandPort);
            final String advertised = Simulator.ipv4(heard.commandAddress) + ":" + heard.commandPort;
            commands = ground.aeron().addExclusivePublication(AeronTransport.udpChannel(advertised), COMMAND_STREAM_ID);

            final double targetLat = heard.latitude + 250 / DroneFleet.METRES_PER_DEGREE;
            final double targetLon = heard.longitude;
            final int length = frames.goTo(DRONE, COMMAND_ID, targetLat, targetLon, 35f, Float.NaN);
            // Resent every 200 ms until the drone answers, as the ground's relay does.
            long nextSendNs = System.nanoTime();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int sent = 0;
            while (heard.answers.isEmpty())
            {
                if (System.nanoTime() - nextSendNs >= 0)
                {
                    // Signed afresh each time, as the ground's relay re-encodes each resend: the same bytes twice
                    // would be a replay.
                    sent += commands.offer(frames.buffer, 0, frames.sign(length)) > 0 ? 1 : 0;
                    nextSendNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                }
                if (System.nanoTime() - deadline > 0)
                {
                    fail("no answer to %d command frames sent to %s", sent, advertised);
                }
                idle.idle(heard.poll());
            }

            pollUntil(heard, () -> heard.last().isFinal(), Duration.ofSeconds(30));
            final List<Answer> answers = heard.answers;
            assertThat(answers).allSatisfy(a ->
            {
                assertThat(a.droneId()).isEqualTo(DRONE);
                assertThat(a.commandId()).isEqualTo(COMMAND_ID);
                assertThat(a.type()).isEqualTo(CommandType.GOTO);
                assertThat(a.targetLatitude()).isEqualTo(targetLat);
                assertThat(a.targetLongitude()).isEqualTo(targetLon);
                assertThat(a.targetAltitude()).isEqualTo(35f);
            });
            assertThat(answers.get(0).phase()).isEqualTo(CommandPhase.ACCEPTED);
            assertThat(answers).extracting(Answer::phase).contains(CommandPhase.IN_PROGRESS);
            assertThat(answers.get(answers.size() - 1).phase()).isEqualTo(CommandPhase.DONE);
            assertThat(answers).filteredOn(a -> a.phase() == CommandPhase.IN_PROGRESS).extracting(Answer::progress)
                .isSorted();
            assertThat(heard.rejected).as("frames the ground's reader rejected").isZero();

            // The drone's telemetry shows the effect: it hovers at the target.
            pollUntil(heard, () -> heard.telemetryAfterDone >= 10, Duration.ofSeconds(10));
            assertThat(DroneFleetTest.distanceMetres(heard.latitude, heard.longitude, targetLat, targetLon)).isLessThan(5);
            assertThat(heard.altitude).isEqualTo(35f);

            // A resend after the end is answered with the end, not flown again.
            final int answersBefore = answers.size();
            frames.sign(length);
            while (commands.offer(frames.buffer, 0, length) <= 0)
            {
                idle.idle();
            }
            pollUntil(heard, () -> answers.size() > answersBefore, Duration.ofSeconds(10));
            assertThat(answers.get(answersBefore).phase()).isEqualTo(CommandPhase.DONE);

            final String metrics = http(simulator, "/metrics");
            assertThat(metrics).contains(
                "odyssey_sim_commands_received_total{role=\"simulator\",outcome=\"accepted\"} 1",
                "odyssey_sim_command_frames_invalid_total{role=\"simulator\",cause=\"truncated\"} 0",
                "odyssey_sim_command_statuses_sent_total{role=\"simulator\"}",
                "odyssey_sim_command_status_offers_failed_total{role=\"simulator\",cause=\"back_pressured\"}");
            assertThat(simulator.commandsReceived()).isGreaterThanOrEqualTo(2);
            assertThat(simulator.commandFramesInvalid()).isZero();
            assertThat(simulator.commandStatusesSent()).isGreaterThanOrEqualTo(answers.size());
        }
    }

    @Test
    void shouldObeyNoForgedUnsignedReplayedOrExpiredCommandFromAFreshPublisher() throws Exception
    {
        final String ingestEndpoint = "127.0.0.1:" + freePort();
        ingest = ground.aeron().addSubscription(AeronTransport.udpChannel(ingestEndpoint), STREAM_ID);
        final Heard heard = new Heard(ingest);
        try (Simulator simulator = Simulator.launch(config(ingestEndpoint)))
        {
            pollUntil(heard, () -> heard.commandPort != 0 && !Double.isNaN(heard.latitude), Duration.ofSeconds(20));
            // The attacker of issue 11: a fresh Aeron publisher straight to the drone's command port.
            try (AeronTransport attacker = AeronTransport.launchEmbedded(null, "simulator-commands-it-attacker");
                ExclusivePublication forged = attacker.aeron().addExclusivePublication(AeronTransport.udpChannel(
                    Simulator.ipv4(heard.commandAddress) + ":" + heard.commandPort), COMMAND_STREAM_ID))
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!forged.isConnected())
                {
                    assertThat(System.nanoTime()).as("attacker connected").isLessThan(deadline);
                    idle.idle(heard.poll());
                }
                final CommandFrames attack = new CommandFrames();
                // Unsigned (an empty signature): what anyone on the network could send before.
                send(forged, attack, attack.plain(DRONE, 9_000_001, CommandType.LAND));
                // Signed with a key that is not the drone's.
                attack.signer = new FrameSigner(DroneKeyRing.of(DroneKeys.of(new DroneKey(DRONE, new byte[32]))),
                    System::nanoTime, 200);
                send(forged, attack, attack.plain(DRONE, 9_000_002, CommandType.LAND));
                // A genuine command, captured and sent again.
                final int genuine = frames.plain(DRONE, 9_000_003, CommandType.HOLD);
                send(commands(heard), frames, genuine);
                pollUntil(heard, () -> heard.answers.stream().anyMatch(a -> a.commandId() == 9_000_003),
                    Duration.ofSeconds(20));
                attack.buffer.putBytes(0, frames.buffer, 0, genuine);
                send(forged, attack, genuine);
                // A genuine command that expired before it arrived: refused, answered so the ground stops resending.
                frames.expiresAtNanos = System.currentTimeMillis() * 1_000_000L - TimeUnit.SECONDS.toNanos(1);
                send(commands(heard), frames, frames.plain(DRONE, 9_000_004, CommandType.LAND));
                pollUntil(heard, () -> heard.answers.stream().anyMatch(a -> a.commandId() == 9_000_004),
                    Duration.ofSeconds(20));

                // The empty signature and the wrong key's both fail to verify; the capture is a replay.
                final String[] refused = {"bad_signature\"} 2", "replayed\"} 1"};
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                String metrics = http(simulator, "/metrics");
                while (!containsAll(metrics, refused))
                {
                    assertThat(System.nanoTime()).as(metrics).isLessThan(until);
                    idle.idle(heard.poll());
                    metrics = http(simulator, "/metrics");
                }
                assertThat(heard.answers).extracting(Answer::commandId).as("never answered, never obeyed")
                    .doesNotContain(9_000_001L, 9_000_002L);
                assertThat(heard.answers.stream().filter(a -> a.commandId() == 9_000_004).findFirst().orElseThrow()
                    .reason()).isEqualTo(io.odyssey.codecs.sbe.CommandReason.EXPIRED);
                assertThat(simulator.commandsReceived()).as("only the genuine and the expired one").isEqualTo(2);
                assertThat(heard.rejected).as("frames of the drones that did not verify").isZero();
            }
        }
    }

    private static boolean containsAll(final String metrics, final String... causes)
    {
        for (final String cause : causes)
        {
            if (!metrics.contains("odyssey_sim_command_frames_invalid_total{role=\"simulator\",cause=\"" + cause))
            {
                return false;
            }
        }
        return true;
    }

    private ExclusivePublication commands(final Heard heard)
    {
        if (commands == null)
        {
            commands = ground.aeron().addExclusivePublication(AeronTransport.udpChannel(
                Simulator.ipv4(heard.commandAddress) + ":" + heard.commandPort), COMMAND_STREAM_ID);
        }
        return commands;
    }

    private void send(final ExclusivePublication publication, final CommandFrames from, final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (publication.offer(from.buffer, 0, length) <= 0)
        {
            assertThat(System.nanoTime()).as("sent within 20 s").isLessThan(deadline);
            idle.idle();
        }
    }

    @Test
    void shouldStartItsOwnCommandsUnderNewIdsAndSendNewerTelemetryAfterARestart() throws Exception
    {
        final List<List<String>> runs = new ArrayList<>();
        final long[] sequences = new long[4];
        for (int run = 0; run < 2; run++)
        {
            // A ground of its own per run, so nothing the first run still had in flight is taken for the second's.
            final String ingestEndpoint = "127.0.0.1:" + freePort();
            final Subscription subscription = ground.aeron().addSubscription(AeronTransport.udpChannel(ingestEndpoint),
                STREAM_ID);
            final Heard heard = new Heard(subscription);
            final SimulatorConfig config = config(ingestEndpoint);
            // Batteries that run down in a few real seconds, so every drone soon starts its own return home.
            config.timeScale = 100;
            config.batteryDrainFactor = 50;
            try (Simulator simulator = Simulator.launch(config))
            {
                pollUntil(heard, () -> heard.ownStarts.size() >= config.drones, Duration.ofSeconds(60));
                sequences[run * 2] = heard.firstSequence;
                sequences[run * 2 + 1] = heard.lastSequence;
            }
            finally
            {
                subscription.close();
            }
            runs.add(List.copyOf(heard.ownStarts));
        }
        assertThat(runs.get(1)).as("(drone, own command id) of the failsafes after the restart")
            .doesNotContainAnyElementsOf(runs.get(0));
        assertThat(sequences[2]).as("the restarted drone's first frame is newer than the last run's last one")
            .isGreaterThan(sequences[1]);
        assertThat(sequences[3]).isLessThan(1L << 53);
    }

    @Test
    void shouldAdvertiseNoCommandEndpointWhenTakingNoCommands() throws Exception
    {
        final String ingestEndpoint = "127.0.0.1:" + freePort();
        ingest = ground.aeron().addSubscription(AeronTransport.udpChannel(ingestEndpoint), STREAM_ID);
        final Heard heard = new Heard(ingest);
        final SimulatorConfig config = config(ingestEndpoint);
        config.commandEndpoint = SimulatorConfig.NO_COMMANDS;
        try (Simulator simulator = Simulator.launch(config))
        {
            assertThat(simulator.commandEndpoint()).isNull();
            pollUntil(heard, () -> heard.heartbeats >= 4, Duration.ofSeconds(20));
            assertThat(heard.commandAddress).isZero();
            assertThat(heard.commandPort).isZero();
        }
    }

    @Test
    void shouldFailFastNamingTheSettingWhenTheCommandPortIsTaken() throws Exception
    {
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            final SimulatorConfig config = config("127.0.0.1:" + freePort());
            config.commandEndpoint = "127.0.0.1:" + taken.getLocalPort();
            assertThatThrownBy(() -> Simulator.launch(config).close()).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("ODYSSEY_SIM_COMMAND_ENDPOINT");
        }
    }

    private static SimulatorConfig config(final String ingestEndpoint)
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.drones = 4;
        config.firstId = FIRST_ID;
        config.rateHz = 10;
        // Ten simulated seconds per second: the goto takes a few seconds, not half a minute.
        config.timeScale = 10;
        config.endpoints = List.of(ingestEndpoint);
        config.streamId = STREAM_ID;
        config.commandEndpoint = "127.0.0.1:0";
        config.commandStreamId = COMMAND_STREAM_ID;
        config.statusHost = "127.0.0.1";
        config.statusPort = 0;
        config.droneKeys = KEYS.toString();
        return config;
    }

    private static int freePort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static String http(final Simulator simulator, final String path) throws Exception
    {
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final HttpResponse<String> response = client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + simulator.statusPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private void pollUntil(final Heard heard, final BooleanSupplier done, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after %s: %d answers %s, %d heartbeats", timeout, heard.answers.size(), heard.answers,
                    heard.heartbeats);
            }
            idle.idle(heard.poll());
        }
    }

    /** What the ground heard from drone {@link #DRONE}: its heartbeat's command endpoint, position, answers. */
    private static final class Heard
    {
        /** Every frame the drones send must verify under their keys: {@link #rejected} counts those that do not. */
        private final TelemetryFrameReader reader = new TelemetryFrameReader().verifier(TestDroneKeys.verifier(KEYS));
        private final Subscription subscription;
        private final FragmentHandler handler = (buffer, offset, length, header) -> onFrame(buffer, offset, length);
        final List<Answer> answers = new ArrayList<>();
        /** "drone/id" of every command a drone started itself. */
        final List<String> ownStarts = new ArrayList<>();
        long firstSequence;
        long lastSequence;
        int commandAddress;
        int commandPort;
        long heartbeats;
        long rejected;
        long telemetryAfterDone;
        double latitude = Double.NaN;
        double longitude = Double.NaN;
        float altitude;

        Heard(final Subscription subscription)
        {
            this.subscription = subscription;
        }

        int poll()
        {
            return subscription.poll(handler, 256);
        }

        Answer last()
        {
            return answers.get(answers.size() - 1);
        }

        private void onFrame(final DirectBuffer buffer, final int offset, final int length)
        {
            final int kind = reader.read(buffer, offset, length);
            if (kind == TelemetryFrameReader.REJECTED)
            {
                rejected++;
                return;
            }
            if (kind == TelemetryFrameReader.HEARTBEAT && reader.heartbeat().droneId() == DRONE)
            {
                heartbeats++;
                commandAddress = reader.heartbeatCommandAddress();
                commandPort = reader.heartbeatCommandPort();
            }
            else if (kind == TelemetryFrameReader.TELEMETRY && reader.telemetry().droneId() == DRONE)
            {
                lastSequence = reader.telemetry().sequence();
                firstSequence = firstSequence == 0 ? lastSequence : firstSequence;
                latitude = reader.telemetry().latitude();
                longitude = reader.telemetry().longitude();
                altitude = reader.telemetry().altitude();
                if (!answers.isEmpty() && last().isFinal())
                {
                    telemetryAfterDone++;
                }
            }
            else if (kind == TelemetryFrameReader.COMMAND_STATUS)
            {
                final Answer answer = Answer.of(reader.commandStatus());
                if (answer.phase() == CommandPhase.STARTED_BY_DRONE)
                {
                    ownStarts.add(answer.droneId() + "/" + answer.commandId());
                }
                if (answer.commandId() > 0)
                {
                    answers.add(answer);
                }
            }
        }
    }
}
