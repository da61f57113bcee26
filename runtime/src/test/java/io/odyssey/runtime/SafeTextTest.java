package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SafeTextTest
{
    @Test
    void shouldAcceptOrdinaryTextInAnyScript()
    {
        for (final String text : new String[]{"retry-1", "Flughafen Tegel (Süd)", "東京タワー", "käse 🧀 zone", "a b"})
        {
            assertThat(SafeText.violation(text, 64)).as(text).isNull();
            assertThat(SafeText.sanitised(text, 64)).as(text).isSameAs(text);
        }
    }

    @Test
    void shouldRefuseEveryControlCharacterNamingItAndWhereItIs()
    {
        assertThat(SafeText.violation("key\u0000", 64)).isEqualTo("contains the control character U+0000 at position 4");
        assertThat(SafeText.violation("a\tb", 64)).contains("U+0009");
        assertThat(SafeText.violation("line\nforged", 64)).contains("U+000A");
        assertThat(SafeText.violation("\u001B[2J", 64)).contains("U+001B");
        assertThat(SafeText.violation("del\u007F", 64)).contains("U+007F");
        assertThat(SafeText.violation("c1\u0085", 64)).contains("U+0085");
        assertThat(SafeText.violation("c1\u009F", 64)).contains("U+009F");
        assertThat(SafeText.violation("para\u2029", 64)).contains("line separator U+2029");
        assertThat(SafeText.violation("ops\u202Egnp.exe", 64)).contains("bidirectional control U+202E");
        assertThat(SafeText.violation("iso\u2066late", 64)).contains("U+2066");
        // The marks: invisible, and enough to make "ops" followed by digits read in another order.
        assertThat(SafeText.violation("ops\u200F42", 64)).contains("U+200F").contains("bidirectional control");
        assertThat(SafeText.violation("ops\u200E42", 64)).contains("U+200E");
        assertThat(SafeText.violation("ops\u061C42", 64)).contains("U+061C");
        // The characters just outside the forbidden ranges are fine.
        assertThat(SafeText.violation(" ~\u00A0\u202F\u206A", 64)).isNull();
    }

    @Test
    void shouldRefuseLoneSurrogatesButNotPairs()
    {
        assertThat(SafeText.violation("x\uD800", 64)).contains("lone UTF-16 surrogate (U+D800) at position 2");
        assertThat(SafeText.violation("\uDC00x", 64)).contains("U+DC00");
        assertThat(SafeText.violation("\uD83E\uDDC0", 1)).as("one code point").isNull();
    }

    @Test
    void shouldCountTheLengthInCodePoints()
    {
        assertThat(SafeText.violation("x".repeat(128), 128)).isNull();
        assertThat(SafeText.violation("x".repeat(129), 128)).isEqualTo("is longer than 128 characters (129)");
        assertThat(SafeText.violation("🧀".repeat(128), 128)).isNull();
    }

    @Test
    void shouldRepairWhatItWouldRefuseSoThatTheResultIsSafe()
    {
        assertThat(SafeText.sanitised("a\u0000b\nc\uD800", 64)).isEqualTo("a\uFFFDb\uFFFDc\uFFFD");
        assertThat(SafeText.sanitised("🧀🧀🧀", 2)).isEqualTo("🧀🧀");
        assertThat(SafeText.sanitised(null, 2)).isNull();
        for (final String hostile : new String[]{"\u0000\u0001\u007F\u0080", "\uDBFF", "x".repeat(300) + "\u202E"})
        {
            assertThat(SafeText.violation(SafeText.sanitised(hostile, 256), 256)).as(hostile).isNull();
        }
    }

    @Test
    void shouldMakeTextPrintableKeepingLineBreaksOnlyWhereTextGoesOnOverLines()
    {
        final String hostile = "a\u001b]52;c;x\u0007b\u009b2J\u202Ec\rd\ne\tf\r\n";
        assertThat(SafeText.printable(hostile, false)).isEqualTo("a\uFFFD]52;c;x\uFFFDb\uFFFD2J\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFD\uFFFD");
        assertThat(SafeText.printable(hostile, true)).isEqualTo("a\uFFFD]52;c;x\uFFFDb\uFFFD2J\uFFFDc\uFFFDd\ne\tf\r\n");
        final String plain = "Flughafen Tegel (Süd) 🧀";
        assertThat(SafeText.printable(plain, false)).isSameAs(plain);
        assertThat(SafeText.printable("\uD83E", false)).as("half a pair, printed in pieces").isEqualTo("\uD83E");
    }
}
