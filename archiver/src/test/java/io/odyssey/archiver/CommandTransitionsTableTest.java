package io.odyssey.archiver;

import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Metrics;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Every field of a journaled command transition is checked before it becomes a row: what cannot be stored is named. */
class CommandTransitionsTableTest
{
    private static final String GOOD = "{\"commandId\":\"9001\",\"seq\":0,\"droneId\":12,\"type\":\"goto\"," +
        "\"params\":\"{\\\"lat\\\":52.5,\\\"lon\\\":13.4}\",\"state\":\"issued\",\"atNs\":\"1764583200123000000\"," +
        "\"reason\":null,\"issuedBy\":\"ops\",\"issuedFrom\":\"10.0.0.7\",\"issuedAtNs\":\"1764583200123000000\"," +
        "\"expiresAtNs\":\"0\",\"idempotencyKey\":\"k-1\",\"node\":\"ingest-1\"}";

    @TempDir
    Path root;

    private CommandJournal journal;
    private ExcerptAppender appender;
    private ExcerptTailer tailer;
    private final CommandTransitionsTable table =
        new CommandTransitionsTable("archiver-test", new Metrics("test").counter("rows_total", "rows"));
    private final PgBinaryCopy copy = new PgBinaryCopy(1024);

    @BeforeEach
    void openJournal()
    {
        journal = new CommandJournal(root, RollCycles.FAST_HOURLY);
        appender = journal.queue().createAppender();
        tailer = journal.queue().createTailer();
    }

    @AfterEach
    void closeJournal()
    {
        journal.close();
    }

    @Test
    void shouldEncodeAGoodTransition()
    {
        assertThat(read(GOOD)).isTrue();
        assertThat(copy.length()).isGreaterThan(PgBinaryCopy.HEADER_LENGTH);
        assertThat(table.receivedAtNanos()).isEqualTo(1764583200123000000L);
    }

    @Test
    void shouldRefuseTextPostgresCannotStore()
    {
        assertRefused(GOOD.replace("\"k-1\"", "\"k\\u0000\""), DeadLetterReason.INVALID_TEXT,
            "idempotencyKey contains U+0000 at character 1");
        assertRefused(GOOD.replace("\"ops\"", "\"\\ud800\""), DeadLetterReason.INVALID_TEXT,
            "issuedBy contains a lone surrogate at character 0");
        assertRefused(GOOD.replace("\"goto\"", "\"go\\u0000\""), DeadLetterReason.INVALID_TEXT,
            "type contains U+0000 at character 2");
        final byte[] invalidUtf8 = GOOD.replace("k-1", "k-?").getBytes(StandardCharsets.UTF_8);
        invalidUtf8[GOOD.indexOf("k-1") + 2] = (byte)0xC3;
        append(invalidUtf8);
        assertThat(tableRefuses()).isEqualTo(DeadLetterReason.INVALID_TEXT);
        assertThat(table.refusalCause()).isEqualTo("not valid UTF-8");
    }

    @Test
    void shouldRefuseNumbersThatAreNot64BitIntegers()
    {
        assertRefused(GOOD.replace("\"9001\"", "\"99999999999999999999\""), DeadLetterReason.OUT_OF_RANGE,
            "commandId is not a 64-bit integer: \"99999999999999999999\"");
        assertRefused(GOOD.replace("\"droneId\":12", "\"droneId\":1e30"), DeadLetterReason.OUT_OF_RANGE,
            "droneId is not a 64-bit integer: 1E+30");
        assertRefused(GOOD.replace("\"expiresAtNs\":\"0\"", "\"expiresAtNs\":\"soon\""), DeadLetterReason.OUT_OF_RANGE,
            "expiresAtNs is not a 64-bit integer: \"soon\"");
    }

    @Test
    void shouldRefuseParametersTheViewsCouldNotCastToJsonb()
    {
        assertRefused(GOOD.replace("{\\\"lat\\\":52.5,\\\"lon\\\":13.4}", "{\\\"lat\\\":"), DeadLetterReason.INVALID_JSON,
            null);
        assertRefused(GOOD.replace("{\\\"lat\\\":52.5,\\\"lon\\\":13.4}", "{} {}"), DeadLetterReason.INVALID_JSON, null);
        assertRefused(GOOD.replace("{\\\"lat\\\":52.5,\\\"lon\\\":13.4}", "{\\\"note\\\":\\\"a\\\\u0000b\\\"}"),
            DeadLetterReason.INVALID_JSON, "params hold a string that contains U+0000 at character 1");
        assertRefused(GOOD.replace("{\\\"lat\\\":52.5,\\\"lon\\\":13.4}", "{\\\"lat\\\":1e200000}"),
            DeadLetterReason.INVALID_JSON, "params hold a number beyond PostgreSQL's numeric range");
    }

    @Test
    void shouldRefuseWhatIsNotATransitionAtAll()
    {
        assertRefused("[1,2]", DeadLetterReason.UNREADABLE, "not a JSON object");
        assertRefused(GOOD.replace("\"state\":\"issued\",", ""), DeadLetterReason.UNREADABLE, "a transition without state");
        assertRefused(GOOD.substring(0, 40), DeadLetterReason.UNREADABLE, null);
    }

    private boolean read(final String json)
    {
        append(json.getBytes(StandardCharsets.UTF_8));
        assertThat(table.readNext(tailer)).isTrue();
        copy.begin();
        return table.encode(copy);
    }

    private void assertRefused(final String json, final DeadLetterReason reason, final String cause)
    {
        append(json.getBytes(StandardCharsets.UTF_8));
        assertThat(tableRefuses()).isEqualTo(reason);
        if (cause != null)
        {
            assertThat(table.refusalCause()).isEqualTo(cause);
        }
        assertThat(copy.length()).as("nothing of a refused row is encoded").isEqualTo(PgBinaryCopy.HEADER_LENGTH);
    }

    private DeadLetterReason tableRefuses()
    {
        assertThat(table.readNext(tailer)).isTrue();
        copy.begin();
        assertThat(table.encode(copy)).isFalse();
        return table.refusal();
    }

    private void append(final byte[] bytes)
    {
        try (DocumentContext entry = appender.writingDocument())
        {
            entry.wire().bytes().write(bytes);
        }
    }

    @Test
    void shouldReadFromTheCommandsJournal()
    {
        assertThat(table.queue()).isEqualTo(JournalLayout.COMMANDS);
    }
}
