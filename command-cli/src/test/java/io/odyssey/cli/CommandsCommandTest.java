package io.odyssey.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.codecs.CommandState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.odyssey.cli.Contract.command;
import static org.assertj.core.api.Assertions.assertThat;

class CommandsCommandTest
{
    private final FakeGateway gateway = new FakeGateway();

    @AfterEach
    void stop()
    {
        gateway.close();
    }

    @Test
    void shouldListCommandsWithTheFiltersAsQueryParameters()
    {
        final ObjectNode failed = command("714262388312064001", 7, "goto", "geofence", "issued", "sent", "rejected");
        final ObjectNode moving = command("714262388312064000", 8, "mission", null, "issued", "sent", "accepted",
            "in-progress");
        moving.put("progress", 40.0).put("waypointIndex", 1);
        gateway.answer("GET", "/api/v1/commands", 200, "{\"commands\":[" + failed + "," + moving + "]}");

        final Cli.Result result = Cli.run("commands", "list", "--drone", "7", "--state", "IN-PROGRESS", "--active",
            "--limit", "5", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(gateway.last("GET", "/api/v1/commands").query())
            .isEqualTo("droneId=7&state=in-progress&active=true&limit=5");
        assertThat(result.out()).startsWith("2 commands")
            .containsPattern("id\\s+drone\\s+type\\s+state\\s+progress\\s+issued\\s+by\\s+reason")
            .containsPattern("714262388312064001\\s+7\\s+goto\\s+rejected\\s+0%\\s+2026-12-01T10:00:00.000Z\\s+ops\\s+geofence")
            .containsPattern("714262388312064000\\s+8\\s+mission\\s+in-progress\\s+40% wp 1");
    }

    @Test
    void shouldPrintTheRawListWithJson()
    {
        final String body = "{\"commands\":[" + command("1", 7, "land", null, "issued") + "]}";
        gateway.answer("GET", "/api/v1/commands", 200, body);

        final Cli.Result result = Cli.run("commands", "list", "--json", "--server", gateway.url());

        assertThat(result.out().strip()).isEqualTo(body);
        assertThat(gateway.last("GET", "/api/v1/commands").query()).isNullOrEmpty();
    }

    @Test
    void shouldShowACommandsTimelineWithTheTimeSinceItWasIssued()
    {
        gateway.answer("GET", "/api/v1/commands/42", 200, command("42", 7, "land", "drone reports motor fault",
            "issued", "sent", "accepted", "in-progress", "failed").toString());

        final Cli.Result result = Cli.run("commands", "show", "42", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("command 42: land for drone 7", "state       failed (drone reports motor fault)",
                "issued      2026-12-01T10:00:00.000Z by ops from 127.0.0.1")
            .containsPattern("state\\s+time\\s+\\+ms\\s+reason\\s+progress")
            .containsPattern("issued\\s+2026-12-01T10:00:00Z\\s+0\\s+-\\s+0%")
            .containsPattern("accepted\\s+2026-12-01T10:00:00.200Z\\s+200\\s+-")
            .containsPattern("failed\\s+2026-12-01T10:00:00.400Z\\s+400\\s+drone reports motor fault\\s+0%");
    }

    @Test
    void shouldExit4ForAnUnknownCommand()
    {
        final Cli.Result result = Cli.run("commands", "show", "404404", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(result.err()).contains("no route GET /api/v1/commands/404404");
    }

    @Test
    void shouldCancelThroughTheCancelResourceAndExit4WhenAlreadyFinal()
    {
        gateway.answer("POST", "/api/v1/commands/42/cancel", 202, command("43", 7, "cancel", null, "issued").toString());
        gateway.answer("POST", "/api/v1/commands/41/cancel", 409, "{\"type\":\"about:blank\",\"title\":\"Conflict\"," +
            "\"status\":409,\"detail\":\"command 41 is already completed\"}");

        final Cli.Result cancelled = Cli.run("commands", "cancel", "42", "--server", gateway.url());
        final Cli.Result tooLate = Cli.run("commands", "cancel", "41", "--server", gateway.url());

        assertThat(cancelled.exit()).isZero();
        assertThat(cancelled.out()).containsPattern("43\\s+7\\s+cancel\\s+issued");
        assertThat(tooLate.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(tooLate.err()).contains("command 41 is already completed");
    }

    @Test
    void shouldTailTheCommandStreamOneLinePerChangeOfTheWatchedDrone()
    {
        gateway.feed("/ws/commands", session ->
        {
            session.send("{\"type\":\"commands\",\"commands\":[" + command("1", 7, "goto", null, "issued", "sent") + "," +
                command("2", 7, "land", null, "issued", "completed") + "," + command("3", 9, "hold", null, "issued") + "]}");
            session.send(Contract.commandMessage(command("4", 9, "land", null, "issued")));
            session.send(Contract.commandMessage(command("1", 7, "goto", null, "issued", "sent", "accepted")));
            session.send(Contract.commandMessage(command("1", 7, "goto", "lost link", "issued", "sent", "accepted",
                "failed")));
        });

        final Cli.Result result = Cli.run("commands", "watch", "--drone", "7", "--count", "2", "--server", gateway.url());
        final Cli.Result json = Cli.run("commands", "watch", "--drone", "7", "--count", "2", "--json", "--server",
            gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out().lines()).containsExactly(
            "OPEN  2026-12-01T10:00:00.100Z  1  drone 7  goto  sent  +100 ms",
            "2026-12-01T10:00:00.200Z  1  drone 7  goto  accepted  +200 ms",
            "2026-12-01T10:00:00.300Z  1  drone 7  goto  failed  +300 ms  (lost link)");
        assertThat(json.exit()).isZero();
        assertThat(json.out().lines()).hasSize(3).allSatisfy(line ->
            assertThat(FakeGateway.JSON.readTree(line).path("droneId").asLong()).isEqualTo(7));
    }

    /** A watch or {@code --wait} ends on the ledger's final states only; a state a newer gateway added keeps it open. */
    @Test
    void shouldTakeOnlyTheLedgersFinalStatesAsFinal()
    {
        assertThat(Arrays.stream(CommandState.values()).map(CommandState::wireName).filter(CommandsCommand::isFinalState))
            .containsExactly("rejected", "completed", "failed", "expired", "cancelled");
        assertThat(CommandsCommand.isFinalState("paused")).isFalse();
        assertThat(CommandsCommand.isFinalState("COMPLETED")).as("wire names are lower case").isFalse();
    }
}
