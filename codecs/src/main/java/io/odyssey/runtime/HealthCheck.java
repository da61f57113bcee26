package io.odyssey.runtime;

/** One named aspect of a process's health, evaluated on every {@code /health} request. */
@FunctionalInterface
public interface HealthCheck
{
    Result check();

    static Result evaluate(final HealthCheck check)
    {
        try
        {
            return check.check();
        }
        catch (final RuntimeException ex)
        {
            return Result.down(ex.toString());
        }
    }

    record Result(boolean healthy, String detail)
    {
        public static Result up(final String detail)
        {
            return new Result(true, detail);
        }

        public static Result down(final String detail)
        {
            return new Result(false, detail);
        }
    }
}
