package io.odyssey.drill;

import io.odyssey.stack.LocalStack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/** The drills' own connections to the stack's archive database, each bounded in time like the archiver's. */
final class ArchiveDatabase
{
    private ArchiveDatabase()
    {
    }

    static Connection connect(final LocalStack stack) throws Exception
    {
        final Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", stack.dbPassword());
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", "300");
        return DriverManager.getConnection(stack.jdbcUrl(), properties);
    }

    /** The first column of the first row of a query (a count), 0 when there is none. */
    static long count(final LocalStack stack, final String query) throws Exception
    {
        try (Connection db = connect(stack); Statement sql = db.createStatement(); ResultSet rows = sql.executeQuery(query))
        {
            return rows.next() ? rows.getLong(1) : 0;
        }
    }
}
