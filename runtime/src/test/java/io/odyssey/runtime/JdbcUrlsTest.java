package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JdbcUrlsTest
{
    @Test
    void shouldNotShowThePasswordInAUrlThatIsLogged()
    {
        assertThat(JdbcUrls.redacted("jdbc:postgresql://db/odyssey?user=u&password=secret&ssl=true"))
            .isEqualTo("jdbc:postgresql://db/odyssey?user=u&password=***&ssl=true");
        assertThat(JdbcUrls.redacted("jdbc:postgresql://db/odyssey")).isEqualTo("jdbc:postgresql://db/odyssey");
    }
}
