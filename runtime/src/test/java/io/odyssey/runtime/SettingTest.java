package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingTest
{
    private static final Setting PORT = Setting.of("ODYSSEY_TEST_PORT", "8080", "A port");

    @Test
    void shouldPreferEnvironmentThenPropertyThenDefault()
    {
        final Properties properties = new Properties();
        assertThat(PORT.resolve(Map.of(), properties)).isEqualTo("8080");
        properties.setProperty("odyssey.test.port", "9000");
        assertThat(PORT.resolve(Map.of(), properties)).isEqualTo("9000");
        assertThat(PORT.resolve(Map.of("ODYSSEY_TEST_PORT", " 9100 "), properties)).isEqualTo("9100");
    }

    @Test
    void shouldNameTheSettingWhenAValueIsInvalid()
    {
        assertThatThrownBy(() -> PORT.parseInt("eighty"))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("ODYSSEY_TEST_PORT must be an integer, got 'eighty'");
    }

    @Test
    void shouldRefuseNumbersThatAreNotFinite()
    {
        final Setting rate = Setting.of("ODYSSEY_TEST_RATE", "1.5", "A rate");

        assertThat(rate.parseDouble("2.5")).isEqualTo(2.5);
        for (final String notFinite : List.of("NaN", "Infinity", "-Infinity", "1e999"))
        {
            assertThatThrownBy(() -> rate.parseDouble(notFinite))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("ODYSSEY_TEST_RATE must be a finite number, got '" + notFinite + "'");
        }
        assertThatThrownBy(() -> rate.parseDouble("fast")).hasMessage("ODYSSEY_TEST_RATE must be a number, got 'fast'");
    }

    @Test
    void shouldNameACommandLineArgumentAsItsUsageDoesAndNeverReadItFromTheEnvironment()
    {
        final Setting file = Setting.argument("FILE", "the key file");

        assertThat(file.resolve(Map.of("FILE", "/etc/passwd"), new Properties())).isNull();
        assertThatThrownBy(() -> file.parseInt("x")).hasMessage("FILE must be an integer, got 'x'");
    }

    @Test
    void shouldDescribeSettingsForHelpAndDocs()
    {
        assertThat(Setting.describe(List.of(PORT))).contains("ODYSSEY_TEST_PORT", "A port", "default: 8080");
        assertThat(Setting.describeMarkdown(List.of(PORT))).contains("| `ODYSSEY_TEST_PORT` | `8080` | A port |");
    }
}
