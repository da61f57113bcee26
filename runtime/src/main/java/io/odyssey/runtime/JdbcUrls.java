package io.odyssey.runtime;

import java.util.regex.Pattern;

/** JDBC URLs as they may be shown in logs, health and configuration errors: without a password. */
public final class JdbcUrls
{
    /** {@code password=} and {@code sslpassword=} parameters, up to the next parameter. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&;]*");
    /**
     * The password of a user-info part, {@code //user:password@host}: up to the last '@' before the query, so a
     * password holding '@' or '/' (unencoded, as people paste them) is hidden whole.
     */
    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/?#@:]*:)[^?#]*@");

    private JdbcUrls()
    {
    }

    public static String redacted(final String url)
    {
        if (url == null)
        {
            return "null";
        }
        final String withoutUserInfo = USER_INFO_PASSWORD.matcher(url).replaceFirst("$1***@");
        return PASSWORD_PARAMETER.matcher(withoutUserInfo).replaceAll("$1***");
    }
}
