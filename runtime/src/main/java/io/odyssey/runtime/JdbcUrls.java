package io.odyssey.runtime;

/** JDBC URLs as they may be shown in logs and health: without a password. */
public final class JdbcUrls
{
    private JdbcUrls()
    {
    }

    public static String redacted(final String url)
    {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
