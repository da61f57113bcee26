package io.odyssey.archiver;

import org.junit.jupiter.api.Test;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorableTextTest
{
    @Test
    void shouldAcceptTextPostgresCanStoreAndNameWhatItCannot()
    {
        assertThat(StorableText.problem("plain, ünïcode and \uD83D\uDE81")).isNull();
        assertThat(StorableText.problem("ab\u0000c")).isEqualTo("contains U+0000 at character 2");
        assertThat(StorableText.problem("x\uD83D")).isEqualTo("contains a lone surrogate at character 1");
        assertThat(StorableText.problem("\uDE81x")).isEqualTo("contains a lone surrogate at character 0");
    }

    @Test
    void shouldDecodeOnlyValidUtf8()
    {
        assertThatThrownBy(() -> StorableText.decodeUtf8(new byte[]{'a', (byte)0xC3}))
            .isInstanceOf(CharacterCodingException.class);
        assertThatThrownBy(() -> StorableText.decodeUtf8(new byte[]{(byte)0xED, (byte)0xA0, (byte)0x80}))
            .as("an encoded surrogate").isInstanceOf(CharacterCodingException.class);
    }

    @Test
    void shouldMakeAnyMessageFitTheCauseColumn() throws Exception
    {
        assertThat(StorableText.cause("bad\u0000key\nnext \uD83D")).isEqualTo("bad\\u0000key\\u000anext \uFFFD");
        assertThat(StorableText.cause(null)).isEqualTo("(no message)");
        final String exactly = "x".repeat(StorableText.MAX_CAUSE_CHARS);
        assertThat(StorableText.cause(exactly)).isEqualTo(exactly);
        final String cut = StorableText.cause("y".repeat(10_000));
        assertThat(cut).hasSize(StorableText.MAX_CAUSE_CHARS).endsWith("y\u2026");
        final String escapes = StorableText.cause("\u0001".repeat(10_000));
        assertThat(escapes.length()).isLessThanOrEqualTo(StorableText.MAX_CAUSE_CHARS);
        assertThat(StorableText.problem(escapes)).isNull();
        assertThat(StorableText.decodeUtf8(escapes.getBytes(StandardCharsets.UTF_8))).isEqualTo(escapes);
    }
}
