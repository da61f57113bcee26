package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.codecs.CommandLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.odyssey.cli.Contract.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class OrderCommandTest
{
    private static final String COMMANDS = "/api/v1/commands";

    private final FakeGateway gateway = new FakeGateway();

    @AfterEach
    void stop()
    {
        gateway.close();
    }

    @Test
    void shouldSendGotoForOneDroneInTheSingleFormAndPrintTheCreatedCommand()
    {
        gateway.answer("POST", COMMANDS, 202, command("714262388312064000", 7, "goto", null, "issued").toString());

        final Cli.Result result = Cli.run("goto", "7", "52.52", "-13.4", "--alt", "60", "--speed", "8",
            "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        final JsonNode body = gateway.last("POST", COMMANDS).json();
        assertThat(body.toString()).isEqualTo(
            "{\"droneId\":7,\"type\":\"goto\",\"lat\":52.52,\"lon\":-13.4,\"alt\":60.0,\"speed\":8.0}");
        assertThat(result.out()).containsPattern("id\\s+drone\\s+type\\s+state")
            .containsPattern("714262388312064000\\s+7\\s+goto\\s+issued");
    }

    @Test
    void shouldSendGotoToSeveralDronesInTheMultiFormWithTheTargetFromTo()
    {
        gateway.answer("POST", COMMANDS, 202, "{\"commands\":[" + command("1", 7, "goto", null, "issued") + "," +
            command("2", 8, "goto", null, "issued") + "],\"refused\":[]}");

        final Cli.Result result = Cli.run("goto", "7", "8", "--to", "-33.86,151.2", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(gateway.last("POST", COMMANDS).json().toString()).isEqualTo(
            "{\"droneIds\":[7,8],\"type\":\"goto\",\"lat\":-33.86,\"lon\":151.2}");
        assertThat(result.out()).containsPattern("1\\s+7\\s+goto\\s+issued").containsPattern("2\\s+8\\s+goto\\s+issued");
    }

    @Test
    void shouldSendASelectionWithExpiryAndIdempotencyKey()
    {
        gateway.answer("POST", COMMANDS, 202, "{\"commands\":[" + command("1", 3, "return-to-home", null, "issued") +
            "],\"refused\":[]}");

        final Cli.Result result = Cli.run("rth", "--status", "hovering", "--bbox", "13.3,52.4,13.5,52.6",
            "--expires", "60", "--key", "evening-recall", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(gateway.last("POST", COMMANDS).json().toString()).isEqualTo(
            "{\"selection\":{\"status\":\"HOVERING\",\"bbox\":[13.3,52.4,13.5,52.6]},\"type\":\"return-to-home\"," +
                "\"expiresInS\":60,\"idempotencyKey\":\"evening-recall\"}");
    }

    @Test
    void shouldSayWhenTheGatewayReturnedTheCommandAlreadyGivenWithTheKey()
    {
        gateway.answer("POST", COMMANDS, 200, command("5", 7, "land", null, "issued", "sent").toString());

        final Cli.Result result = Cli.run("land", "7", "--key", "k1", "--server", gateway.url());

        assertThat(result.exit()).isZero();
        assertThat(gateway.last("POST", COMMANDS).json().path("idempotencyKey").asText()).isEqualTo("k1");
        assertThat(result.out()).contains("already given with key k1");
    }

    @Test
    void shouldSendEachTypesParameters()
    {
        gateway.answer("POST", COMMANDS, 202, command("1", 7, "x", null, "issued").toString());

        assertThat(Cli.run("takeoff", "7", "--alt", "45", "--server", gateway.url()).exit()).isZero();
        assertThat(gateway.last("POST", COMMANDS).body()).isEqualTo("{\"droneId\":7,\"type\":\"takeoff\",\"alt\":45.0}");
        assertThat(Cli.run("set-speed", "7", "12.5", "--server", gateway.url()).exit()).isZero();
        assertThat(gateway.last("POST", COMMANDS).body()).isEqualTo("{\"droneId\":7,\"type\":\"set-speed\",\"speed\":12.5}");
        assertThat(Cli.run("return-to-home", "7", "--server", gateway.url()).exit()).isZero();
        assertThat(gateway.last("POST", COMMANDS).body()).isEqualTo("{\"droneId\":7,\"type\":\"return-to-home\"}");
        for (final String type : new String[]{"hold", "resume", "land", "stop"})
        {
            assertThat(Cli.run(type, "7", "--server", gateway.url()).exit()).isZero();
            assertThat(gateway.last("POST", COMMANDS).body()).isEqualTo("{\"droneId\":7,\"type\":\"" + type + "\"}");
        }
    }

    @Test
    void shouldPrintTheRawAnswerWithJson()
    {
        final String answer = command("9", 7, "hold", null, "issued").toString();
        gateway.answer("POST", COMMANDS, 202, answer);

        final Cli.Result result = Cli.run("hold", "7", "--json", "--server", gateway.url());

        assertThat(result.exit()).isZero();
        assertThat(result.out().strip()).isEqualTo(answer);
    }

    @Test
    void shouldListRefusedDronesAndExit4()
    {
        gateway.answer("POST", COMMANDS, 202, "{\"commands\":[" + command("1", 7, "land", null, "issued") + "]," +
            "\"refused\":[{\"droneId\":9,\"status\":404,\"title\":\"Not Found\",\"detail\":\"no drone 9 in the fleet\"}]}");

        final Cli.Result result = Cli.run("land", "7", "9", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(result.out()).containsPattern("1\\s+7\\s+land\\s+issued").contains("refused:")
            .containsPattern("9\\s+404\\s+Not Found: no drone 9 in the fleet");
        assertThat(result.err()).contains("1 of 2 drones refused");
    }

    @Test
    void shouldExit4WithTheGatewaysWordsWhenTheOrderIsRefused()
    {
        gateway.answer("POST", COMMANDS, 422, "{\"type\":\"about:blank\",\"title\":\"Unprocessable Content\"," +
            "\"status\":422,\"detail\":\"the target is inside keep-out fence 'airport'\",\"code\":\"GEOFENCE\"," +
            "\"commandId\":\"77\"}");

        final Cli.Result result = Cli.run("goto", "7", "52.36", "13.5", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(result.err()).contains("the target is inside keep-out fence 'airport' [GEOFENCE]",
            "recorded as rejected command 77");
    }

    @Test
    void shouldRefuseAnEmergencyStopOfSeveralDronesWithoutYesAndSendNothing()
    {
        gateway.answer("POST", COMMANDS, 202, "{\"commands\":[],\"refused\":[]}");

        final Cli.Result several = Cli.run("stop", "7", "8", "--server", gateway.url());
        final Cli.Result selection = Cli.run("stop", "--status", "CRUISING", "--server", gateway.url());

        assertThat(several.exit()).isEqualTo(2);
        assertThat(several.err()).contains("needs --yes");
        assertThat(selection.exit()).isEqualTo(2);
        assertThat(gateway.requests).isEmpty();

        assertThat(Cli.run("stop", "7", "8", "--yes", "--server", gateway.url()).exit()).isZero();
        assertThat(gateway.last("POST", COMMANDS).body()).isEqualTo("{\"droneIds\":[7,8],\"type\":\"stop\"}");
    }

    @Test
    void shouldAnswerBadArgumentsWithExit2BeforeSendingAnything()
    {
        assertThat(Cli.run("hold", "--server", gateway.url()).exit()).as("no drones").isEqualTo(2);
        assertThat(Cli.run("hold", "7", "--status", "HOVERING", "--server", gateway.url()).exit()).as("ids and selection")
            .isEqualTo(2);
        assertThat(Cli.run("hold", "seven", "--server", gateway.url()).exit()).as("not an id").isEqualTo(2);
        assertThat(Cli.run("goto", "7", "52.5", "--server", gateway.url()).exit()).as("no longitude").isEqualTo(2);
        assertThat(Cli.run("goto", "7", "95", "13", "--server", gateway.url()).exit()).as("latitude").isEqualTo(2);
        assertThat(Cli.run("goto", "7", "--to", "52.5", "--server", gateway.url()).exit()).as("--to").isEqualTo(2);
        assertThat(Cli.run("land", "--bbox", "13.5,52.6,13.3", "--server", gateway.url()).exit()).as("bbox").isEqualTo(2);
        assertThat(Cli.run("set-speed", "7", "fast", "--server", gateway.url()).exit()).as("speed").isEqualTo(2);
        assertThat(gateway.requests).isEmpty();
    }

    @Test
    void shouldRefuseParametersOutsideTheContractsLimitsBeforeSendingAnything()
    {
        final String tooHigh = Double.toString(CommandLimits.MAX_ALTITUDE_M + 1);
        final String tooFast = Double.toString(CommandLimits.MAX_SPEED_MPS + 0.5);

        final Cli.Result takeoff = Cli.run("takeoff", "7", "--alt", tooHigh, "--server", gateway.url());
        final Cli.Result gotoHigh = Cli.run("goto", "7", "52.5", "13.4", "--alt", "0.5", "--server", gateway.url());
        final Cli.Result gotoFast = Cli.run("goto", "7", "52.5", "13.4", "--speed", tooFast, "--server", gateway.url());
        final Cli.Result setSpeed = Cli.run("set-speed", "7", "0", "--server", gateway.url());

        assertThat(takeoff.exit()).isEqualTo(2);
        assertThat(takeoff.err()).contains("--alt 501 is outside 1..500 m above home");
        assertThat(gotoHigh.exit()).isEqualTo(2);
        assertThat(gotoHigh.err()).contains("--alt 0.5 is outside 1..500 m above home");
        assertThat(gotoFast.exit()).isEqualTo(2);
        assertThat(gotoFast.err()).contains("--speed 60.5 is outside 1..60 m/s");
        assertThat(setSpeed.exit()).isEqualTo(2);
        assertThat(setSpeed.err()).contains("MPS 0 is outside 1..60 m/s");
        assertThat(gateway.requests).isEmpty();
    }

    @Test
    void shouldSendTheContractsOuterLimitsAsGiven()
    {
        gateway.answer("POST", COMMANDS, 202, command("1", 7, "x", null, "issued").toString());

        assertThat(Cli.run("takeoff", "7", "--alt", Double.toString(CommandLimits.MAX_ALTITUDE_M), "--server",
            gateway.url()).exit()).isZero();
        assertThat(Cli.run("set-speed", "7", Double.toString(CommandLimits.MIN_SPEED_MPS), "--server", gateway.url())
            .exit()).isZero();
        assertThat(gateway.last("POST", COMMANDS).body()).isEqualTo("{\"droneId\":7,\"type\":\"set-speed\",\"speed\":1.0}");
    }

    @Test
    void shouldWaitOnTheCommandStreamPrintingEachTransitionAndExit0WhenCompleted()
    {
        gateway.feed("/ws/commands", session -> session.send("{\"type\":\"commands\",\"commands\":[]}"));
        gateway.answer("POST", COMMANDS, request ->
        {
            // As the real gateway: the changes go out on the stream while (or before) the order is answered.
            final FakeGateway.Session watcher = poll(gateway);
            watcher.send(Contract.commandMessage(command("c1", 7, "goto", null, "issued", "sent")));
            watcher.send(Contract.commandMessage(command("c1", 7, "goto", null, "issued")));
            watcher.send(Contract.commandMessage(command("c1", 7, "goto", null, "issued", "sent", "accepted", "in-progress")));
            watcher.send(Contract.commandMessage(command("other", 9, "land", null, "issued", "sent", "accepted", "in-progress", "failed")));
            watcher.send(Contract.commandMessage(command("c1", 7, "goto", null, "issued", "sent", "accepted", "in-progress",
                "completed")));
            return new FakeGateway.Response(202, command("c1", 7, "goto", null, "issued").toString());
        });

        final Cli.Result result = Cli.run("goto", "7", "52.5", "13.4", "--wait", "--timeout", "10", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).containsSubsequence("issued", "sent", "+100 ms", "accepted", "in-progress", "completed",
            "all 1 completed");
        assertThat(result.out()).doesNotContain("other").containsOnlyOnce("accepted");
        assertThat(gateway.requests("GET", COMMANDS + "/c1")).as("no polling needed").isEmpty();
    }

    @Test
    void shouldPollWhenThereIsNoCommandStreamAndExit5WhenTheCommandFails()
    {
        gateway.answer("POST", COMMANDS, 202, command("c2", 7, "mission", null, "issued").toString());
        final AtomicInteger polls = new AtomicInteger();
        gateway.answer("GET", COMMANDS + "/c2", request -> new FakeGateway.Response(200, polls.incrementAndGet() == 1 ?
            command("c2", 7, "mission", null, "issued", "sent", "accepted").toString() :
            command("c2", 7, "mission", "battery too low", "issued", "sent", "accepted", "failed").toString()));

        final Cli.Result result = Cli.run("hold", "7", "--wait", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_NOT_COMPLETED);
        assertThat(result.err()).contains("polling instead");
        assertThat(result.out()).containsSubsequence("sent", "accepted", "failed", "(battery too low)", "1 failed");
    }

    @Test
    void shouldExit5WhenTheTimeoutPassesFirst()
    {
        gateway.feed("/ws/commands", session -> session.send("{\"type\":\"commands\",\"commands\":[]}"));
        gateway.answer("POST", COMMANDS, 202, command("c3", 7, "goto", null, "issued").toString());

        final Cli.Result result = Cli.run("goto", "7", "52.5", "13.4", "--wait", "--timeout", "1", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_NOT_COMPLETED);
        assertThat(result.out()).contains("1 issued (still open) after 1 s");
    }

    @Test
    void shouldCountARefusedDroneAsNotCompletedWhenWaiting()
    {
        final ObjectNode done = command("c4", 7, "land", null, "issued", "sent", "accepted", "in-progress", "completed");
        gateway.answer("POST", COMMANDS, 202, "{\"commands\":[" + done + "],\"refused\":[{\"droneId\":9,\"status\":404," +
            "\"title\":\"Not Found\",\"detail\":\"no drone 9\"}]}");

        final Cli.Result result = Cli.run("land", "7", "9", "--wait", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_NOT_COMPLETED);
        assertThat(result.out()).contains("all 1 completed");
    }

    @Test
    void shouldRideOutAGatewayRestartWhileWaitingAndExit0WhenTheCommandCompletes() throws Exception
    {
        final java.util.concurrent.atomic.AtomicReference<String> state = new java.util.concurrent.atomic.AtomicReference<>(
            command("c5", 7, "goto", null, "issued", "sent", "accepted", "in-progress").toString());
        gateway.feed("/ws/commands", session -> session.send("{\"type\":\"commands\",\"commands\":[]}"));
        gateway.answer("POST", COMMANDS, 202, command("c5", 7, "goto", null, "issued").toString());
        gateway.answer("GET", COMMANDS + "/c5", request -> new FakeGateway.Response(200, state.get()));

        final Cli.Running running = Cli.start("goto", "7", "52.5", "13.4", "--wait", "--timeout", "60", "--server", gateway.url());
        final FakeGateway.Session watcher = poll(gateway);
        await().atMost(30, TimeUnit.SECONDS).until(() -> !gateway.requests("POST", COMMANDS).isEmpty());
        watcher.send(Contract.commandMessage(command("c5", 7, "goto", null, "issued", "sent", "accepted")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> running.out().toString().contains("accepted"));

        // The gateway restarts: it is away until the waiter has found so, and the command goes on meanwhile.
        gateway.stop();
        await().atMost(30, TimeUnit.SECONDS).until(() -> running.err().toString().contains("lost the gateway"));
        state.set(command("c5", 7, "goto", null, "issued", "sent", "accepted", "in-progress", "completed").toString());
        gateway.start();

        final Cli.Result result = running.result(60);
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).containsSubsequence("issued", "accepted", "in-progress", "completed", "all 1 completed");
        assertThat(result.out()).containsOnlyOnce("accepted");
        assertThat(result.err()).contains("lost the gateway", "the gateway answers again after");
        assertThat(gateway.sessions).as("the stream was opened again after the restart").isNotEmpty();
    }

    @Test
    void shouldExit3WhenTheGatewayStaysAwayLongerThanTheReconnectTimeout() throws Exception
    {
        gateway.feed("/ws/commands", session -> session.send("{\"type\":\"commands\",\"commands\":[]}"));
        gateway.answer("POST", COMMANDS, 202, command("c6", 7, "land", null, "issued").toString());

        final Cli.Running running = Cli.start("land", "7", "--wait", "--reconnect-timeout", "2", "--server", gateway.url());
        poll(gateway);
        await().atMost(30, TimeUnit.SECONDS).until(() -> running.out().toString().contains("issued"));
        gateway.stop();

        final Cli.Result result = running.result(60);
        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_UNREACHABLE);
        assertThat(result.err()).contains("lost the gateway", "did not answer for", "longer than the reconnect timeout of 2 s",
            "odyssey-cli commands show c6");
    }

    @Test
    void shouldOpenTheStreamAgainWhenTheGatewayClosesItAndStillSeeTheCommandComplete() throws Exception
    {
        final AtomicInteger connections = new AtomicInteger();
        gateway.feed("/ws/commands", session ->
        {
            if (connections.incrementAndGet() == 1)
            {
                // As a gateway that drops a client it thinks too slow (1008), while it keeps serving.
                session.close();
            }
            else
            {
                session.send(Contract.commandMessage(command("c7", 7, "hold", null, "issued", "sent", "accepted",
                    "in-progress", "completed")));
            }
        });
        gateway.answer("POST", COMMANDS, 202, command("c7", 7, "hold", null, "issued").toString());
        gateway.answer("GET", COMMANDS + "/c7", 200, command("c7", 7, "hold", null, "issued", "sent").toString());

        final Cli.Result result = Cli.start("hold", "7", "--wait", "--timeout", "30", "--server", gateway.url()).result(60);

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(connections).hasValue(2);
        assertThat(result.out()).containsSubsequence("sent", "completed", "all 1 completed");
        assertThat(result.err()).as("a gateway that answers at once was never lost").doesNotContain("lost the gateway");
    }

    private static FakeGateway.Session poll(final FakeGateway gateway)
    {
        try
        {
            final FakeGateway.Session session = gateway.sessions.poll(30, TimeUnit.SECONDS);
            assertThat(session).as("the CLI opened /ws/commands before sending the order").isNotNull();
            return session;
        }
        catch (final InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
