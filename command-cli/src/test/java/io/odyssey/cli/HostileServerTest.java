package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server the CLI should not trust: one that sends more than the CLI can show, answers of any size, or text holding
 * terminal escape sequences (a hostile or intercepted {@code --server}, or a grid writer planting text the CLI shows).
 * The CLI must keep its memory bounded, push back on the socket, and never hand control characters to the terminal.
 */
class HostileServerTest
{
    /** What a terminal must never get from a server: C0 (newline aside), DEL, C1, line separators, bidi controls. */
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x09\\x0B-\\x1F\\x7F-\\x9F\\u2028\\u2029" +
        "\\u202A-\\u202E\\u2066-\\u2069\\u200E\\u200F\\u061C]");
    /** An OSC 52 clipboard write, a title change, a screen clear and a C1 CSI: what a hostile server would plant. */
    private static final String ESCAPES = "\u001b]52;c;cm0gLXJmIH4=\u0007\u001b]0;pwned\u001b\\\u001b[2J\u009b31m";
    private static final Map<String, String> ONE_MIB_LIMIT = Map.of(CliConfig.MAX_ANSWER_BYTES.envName(), "1048576");

    private final FakeGateway gateway = new FakeGateway();

    @AfterEach
    void stop()
    {
        gateway.close();
    }

    @Test
    void shouldStopReadingTheFeedWhileTheTerminalIsPausedAndLoseNothingOnceItGoesOn() throws Exception
    {
        // 4,000 alert events of 16 KB each (64 MB): far more than the sockets' buffers on both sides hold.
        final int events = 4_000;
        final String pad = "x".repeat(16 * 1024);
        final AtomicInteger sent = new AtomicInteger();
        gateway.feed("/ws/alerts", session -> { });
        final PausedTerminal terminal = new PausedTerminal();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit = Cli.start(Map.of(), terminal, err, "alerts", "watch", "--count",
            String.valueOf(events), "--server", gateway.url());
        final FakeGateway.Session session = gateway.sessions.poll(30, TimeUnit.SECONDS);
        assertThat(session).isNotNull();
        final Thread sender = new Thread(() ->
        {
            session.send("{\"type\":\"alerts\",\"active\":[]}");
            for (int i = 1; i <= events; i++)
            {
                session.send("{\"type\":\"alert\",\"event\":\"raised\",\"pad\":\"" + pad + "\",\"alert\":{\"key\":" +
                    "\"LOW_BATTERY:" + i + "\",\"alertType\":\"LOW_BATTERY\",\"droneId\":" + i + ",\"raisedAt\":" +
                    "\"2026-12-01T10:00:00Z\",\"value\":18.5,\"node\":\"ingest-1\"}}");
                sent.incrementAndGet();
            }
        }, "hostile-sender");
        sender.setDaemon(true);
        sender.start();

        // The terminal takes nothing: the gateway must find itself unable to send (a slow client), not the CLI's heap
        // swallowing the stream. Wait until the sender is done, or has made no progress for 5 s (long enough that a busy
        // machine's scheduling does not pass for back-pressure).
        int before = -1;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (sent.get() != before && sent.get() < events && System.nanoTime() < deadline)
        {
            before = sent.get();
            Thread.sleep(5_000);
        }
        assertThat(sent.get()).as("events the gateway could push while the terminal was paused").isLessThan(events / 2);

        terminal.resume();
        assertThat(exit.get(120, TimeUnit.SECONDS)).as(err.toString()).isZero();
        sender.join(10_000);
        assertThat(sent.get()).isEqualTo(events);
        final List<String> raised = terminal.text().lines().filter(line -> line.contains("RAISED")).toList();
        assertThat(raised).hasSize(events);
        assertThat(raised.get(events - 1)).contains("drone " + events + " ");
    }

    @Test
    void shouldCloseTheStreamAndExitNonZeroWhenAMessageOutgrowsTheLimit() throws Exception
    {
        // Two megabytes in one message: the JDK hands it over in pieces, and the pieces must not pile up past the limit.
        final String huge = "{\"type\":\"alert\",\"pad\":\"" + "y".repeat(2 * 1024 * 1024) + "\"}";
        gateway.feed("/ws/alerts", session -> { });
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit = Cli.start(ONE_MIB_LIMIT, out, err, "alerts", "watch", "--server",
            gateway.url());
        final FakeGateway.Session session = gateway.sessions.poll(30, TimeUnit.SECONDS);
        assertThat(session).isNotNull();
        final Thread sender = new Thread(() -> session.send(huge), "hostile-sender");
        sender.setDaemon(true);
        sender.start();

        assertThat(exit.get(60, TimeUnit.SECONDS)).isEqualTo(OdysseyCli.EXIT_UNREACHABLE);
        assertThat(err.toString()).contains("/ws/alerts", "message longer than 1048576 characters",
            CliConfig.MAX_ANSWER_BYTES.envName());
        // 1008, policy violation: the JDK's client may not send 1009 (message too big).
        assertThat(session.closedByClient.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
    }

    @Test
    void shouldRefuseAnAnswerLargerThanTheLimitWithAClearError()
    {
        gateway.answer("GET", "/api/v1/alerts", 200,
            "{\"count\":0,\"alerts\":[],\"pad\":\"" + "z".repeat(3 * 1024 * 1024) + "\"}");

        final Cli.Result result = Cli.run(ONE_MIB_LIMIT, "alerts", "list", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_UNREACHABLE);
        assertThat(result.err()).contains("/api/v1/alerts", "larger than 1048576 bytes",
            CliConfig.MAX_ANSWER_BYTES.envName());
        assertThat(result.out()).isEmpty();
    }

    @Test
    void shouldRefuseAnErrorAnswerLargerThanTheLimitToo()
    {
        gateway.answer("POST", "/api/v1/commands", 422,
            "{\"title\":\"Unprocessable\",\"status\":422,\"detail\":\"" + "d".repeat(3 * 1024 * 1024) + "\"}");

        final Cli.Result result = Cli.run(ONE_MIB_LIMIT, "land", "7", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_UNREACHABLE);
        assertThat(result.err()).contains("larger than 1048576 bytes").hasSizeLessThan(1_000);
    }

    @Test
    void shouldNotLetAProblemDetailWriteToTheTerminalOrForgeALine()
    {
        final ObjectNode problem = FakeGateway.JSON.createObjectNode().put("title", "Unprocessable " + ESCAPES)
            .put("status", 422).put("detail", "outside the fence" + ESCAPES + "\nhint: run rm -rf ~").put("code", "GEO\rFENCE");
        gateway.answer("POST", "/api/v1/commands", 422, problem.toString());

        final Cli.Result result = Cli.run("goto", "7", "52.52", "13.405", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(result.err()).doesNotContainPattern(CONTROL).contains("outside the fence\uFFFD]52;c;cm0gLXJmIH4=")
            .doesNotContain("\nhint: run rm");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void shouldShowTheServersTextInTablesAndDetailViewsWithoutControlCharacters()
    {
        final ObjectNode command = Contract.command("c-1" + ESCAPES, 7, "goto", "blocked\n       c-2  8  land  completed",
            "issued", "rejected");
        command.put("issuedBy", "ops" + ESCAPES);
        gateway.answer("GET", "/api/v1/commands", 200,
            FakeGateway.JSON.createObjectNode().set("commands", FakeGateway.JSON.createArrayNode().add(command)).toString());
        gateway.answer("GET", "/api/v1/commands/c-1", 200, command.toString());
        gateway.answer("GET", "/api/v1/tokens", 200, "{\"tokens\":[{\"name\":\"ci" + json(ESCAPES) +
            "\",\"role\":\"viewer\",\"source\":\"api\"}]}");
        gateway.answer("GET", "/api/v1/whoami", 200, "{\"name\":\"ci" + json(ESCAPES) + "\",\"role\":\"admin\\u001b[8m\"}");

        final Cli.Result list = Cli.run("commands", "list", "--server", gateway.url());
        final Cli.Result show = Cli.run("commands", "show", "c-1", "--server", gateway.url());
        final Cli.Result tokens = Cli.run("tokens", "list", "--server", gateway.url());
        final Cli.Result whoami = Cli.run("whoami", "--server", gateway.url());

        for (final Cli.Result result : List.of(list, show, tokens, whoami))
        {
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(result.out()).doesNotContainPattern(CONTROL).contains("\uFFFD]52;c;");
        }
        // One command, one row: a newline in its reason cannot add a forged one.
        assertThat(list.out().lines()).hasSize(3);
        assertThat(list.out() + show.out()).doesNotContainPattern("(?m)^\\s*c-2");
    }

    @Test
    void shouldShowTheFeedsTextWithoutControlCharacters() throws Exception
    {
        gateway.feed("/ws/alerts", session ->
        {
            session.send("{\"type\":\"alerts\",\"active\":[]}");
            session.send("{\"type\":\"alert\",\"event\":\"raised\",\"alert\":{\"alertType\":\"LOW_BATTERY" + json(ESCAPES) +
                "\",\"droneId\":7,\"raisedAt\":\"2026-12-01T10:00:00Z\",\"value\":18.5,\"node\":\"ingest-1\\n" +
                "2026-12-01T10:00:01Z  CLEARED  LOW_BATTERY drone 7\"}}");
        });
        gateway.feed("/ws/fleet", session ->
        {
            final ObjectNode drone = Contract.drone(7, "HOVERING" + ESCAPES, 52.52, 13.405).put("node", "ingest-1\n");
            session.send("{\"type\":\"snapshot\",\"bbox\":null,\"drones\":[" + drone + "]}");
            session.send("{\"type\":\"error\",\"code\":\"BAD" + json(ESCAPES) + "\",\"message\":\"no\\u009b2J\"}");
            session.send("{\"type\":\"changes\",\"removed\":[],\"drones\":[" + drone + "]}");
        });

        final Cli.Result alerts = Cli.run("alerts", "watch", "--count", "1", "--server", gateway.url());
        final Cli.Result watch = Cli.run("watch", "--count", "1", "--server", gateway.url());

        assertThat(alerts.exit()).as(alerts.err()).isZero();
        assertThat(alerts.out()).doesNotContainPattern(CONTROL).contains("LOW_BATTERY\uFFFD]52;c;")
            .doesNotContain("\n2026-12-01T10:00:01Z");
        assertThat(watch.exit()).as(watch.err()).isZero();
        assertThat(watch.out()).doesNotContainPattern(CONTROL).contains("HOVERING\uFFFD]52;c;");
        assertThat(watch.out().lines()).hasSize(4);
        assertThat(watch.err()).doesNotContainPattern(CONTROL).contains("BAD\uFFFD]52;c;");
    }

    @Test
    void shouldPrintTheServersJsonWithEveryControlCharacterEscaped() throws Exception
    {
        // Raw C1 characters and U+2028 are valid JSON inside strings, so a hostile server can send them unescaped.
        final String body = "{\"commands\":[{\"id\":\"c-1\",\"reason\":\"x\u009b31m\u2028\u202e\",\"note\":\"" +
            json(ESCAPES) + "\",\"lat\":52.520008,\"n\":12345678901234567890}]}";
        gateway.answer("GET", "/api/v1/commands", 200, body);
        gateway.feed("/ws/commands", session ->
        {
            session.send("{\"type\":\"commands\",\"commands\":[]}");
            session.send("{\"type\":\"command\",\"command\":{\"id\":\"c-1\",\"droneId\":7,\"state\":\"sent\u0085\"," +
                "\"reason\":\"" + json(ESCAPES) + "\"}}");
        });

        final Cli.Result list = Cli.run("commands", "list", "--json", "--server", gateway.url());
        final Cli.Result watch = Cli.run("commands", "watch", "--json", "--count", "1", "--server", gateway.url());

        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).doesNotContainPattern(CONTROL).contains("\\u009B31m\\u2028\\u202E", "\\u001B]52;c;");
        assertThat(FakeGateway.JSON.readTree(list.out())).as("the same JSON").isEqualTo(FakeGateway.JSON.readTree(body));
        assertThat(watch.exit()).as(watch.err()).isZero();
        assertThat(watch.out()).doesNotContainPattern(CONTROL).contains("sent\\u0085", "\\u001B]52;c;");
        final JsonNode command = FakeGateway.JSON.readTree(watch.out());
        assertThat(command.path("reason").asText()).as("the same text, escaped").isEqualTo(ESCAPES);
    }

    @Test
    void shouldShowAnAnswerThatIsNotJsonWithoutItsControlCharacters()
    {
        gateway.answer("GET", "/api/v1/whoami", 200, "\u001b]0;pwned\u0007 not json");

        final Cli.Result text = Cli.run("whoami", "--server", gateway.url());
        final Cli.Result json = Cli.run("whoami", "--json", "--server", gateway.url());

        for (final Cli.Result result : List.of(text, json))
        {
            assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_UNREACHABLE);
            assertThat(result.out()).isEmpty();
            assertThat(result.err()).doesNotContainPattern(CONTROL).contains("not JSON");
        }
    }

    /** {@code text} as it goes inside a JSON string. */
    private static String json(final String text)
    {
        final String quoted = FakeGateway.JSON.getNodeFactory().textNode(text).toString();
        return quoted.substring(1, quoted.length() - 1);
    }

    /** A terminal paused with Ctrl-S: every write blocks until {@link #resume()} (at most two minutes). */
    private static final class PausedTerminal extends Writer
    {
        private final CountDownLatch resumed = new CountDownLatch(1);
        private final StringBuilder text = new StringBuilder();

        void resume()
        {
            resumed.countDown();
        }

        synchronized String text()
        {
            return text.toString();
        }

        public void write(final char[] chars, final int offset, final int length)
        {
            try
            {
                if (!resumed.await(120, TimeUnit.SECONDS))
                {
                    throw new IllegalStateException("the test never resumed the terminal");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
            synchronized (this)
            {
                text.append(chars, offset, length);
            }
        }

        public void flush()
        {
        }

        public void close()
        {
        }
    }
}
