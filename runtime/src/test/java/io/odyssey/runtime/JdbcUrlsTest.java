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
        assertThat(JdbcUrls.redacted("jdbc:postgresql://db/odyssey?sslpassword=secret"))
            .isEqualTo("jdbc:postgresql://db/odyssey?sslpassword=***");
        assertThat(JdbcUrls.redacted("jdbc:postgresql://db/odyssey")).isEqualTo("jdbc:postgresql://db/odyssey");
        assertThat(JdbcUrls.redacted("jdbc:postgresql://db:5432/odyssey?user=u@example"))
            .isEqualTo("jdbc:postgresql://db:5432/odyssey?user=u@example");
    }

    @Test
    void shouldNotShowThePasswordOfTheUserInfoOfAUrl()
    {
        // The form libpq and most tools take, which an operator may well paste where a JDBC URL is wanted.
        assertThat(JdbcUrls.redacted("postgresql://user:secret@db/x")).isEqualTo("postgresql://user:***@db/x");
        assertThat(JdbcUrls.redacted("jdbc:postgresql://user:secret@db:5432/x?ssl=true"))
            .isEqualTo("jdbc:postgresql://user:***@db:5432/x?ssl=true");
        assertThat(JdbcUrls.redacted("postgres://user:p@ss/w:rd@db/x")).isEqualTo("postgres://user:***@db/x");
        assertThat(JdbcUrls.redacted("postgresql://user@db/x")).isEqualTo("postgresql://user@db/x");
    }

    @Test
    void shouldShowNothingOfAnUnparsableValueThatMayHoldAPassword()
    {
        assertThat(JdbcUrls.redacted(null)).isEqualTo("null");
    }
}
