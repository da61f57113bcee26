package io.odyssey.gateway;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ParserErrorsTest
{
    private static final ObjectMapper STRICT =
        JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    @Test
    void shouldNameAShortDuplicateFieldInFull()
    {
        assertThat(reasonFor("{\"type\":1,\"type\":2}")).isEqualTo("duplicate field 'type'");
    }

    @Test
    void shouldCutAHugeDuplicateFieldNameAndReplaceItsControlCharacters()
    {
        // The REST answer echoed a duplicate name of any length whole, escape sequences included.
        final String name = "\\u001b[2J" + "x".repeat(40_000);
        final String reason = reasonFor("{\"" + name + "\":1,\"" + name + "\":2}");
        assertThat(reason).startsWith("duplicate field '\uFFFD[2Jxxx").endsWith("...");
        assertThat(reason.length()).isLessThanOrEqualTo(ParserErrors.MAX_REASON + 3);
        assertThat(reason).doesNotContain("\u001b");
    }

    @Test
    void shouldSayNothingRatherThanWhereWhenTheParserGivesNoMessage()
    {
        assertThat(ParserErrors.reason(new IOException((String)null))).isEmpty();
        assertThat(ParserErrors.reason(new IOException("Broken\nat line 3"))).isEqualTo("broken");
    }

    private static String reasonFor(final String json)
    {
        return ParserErrors.reason(catchThrowableOfType(() -> STRICT.readTree(json), IOException.class));
    }
}
