package io.odyssey.runtime;

/**
 * One named part of a process (a grid client, a journal, an endpoint, a worker thread...), started and stopped with
 * the process's other parts by {@link Components}: in order, and in reverse.
 * <p>
 * A part is built without doing anything (no thread, socket or file yet), so a process can lay out all its parts and
 * what each needs from the others before the first one starts; a part reads what it needs from the parts started
 * before it when it starts itself.
 */
public interface Component
{
    /** Short and stable: how the lifecycle log lines name this part. */
    String name();

    /**
     * Starts the part. When it throws, {@link #stop()} is still called (then the parts started before it are stopped),
     * so it must leave nothing open that its stop would not close.
     *
     * @throws Exception when the part cannot start, e.g. {@link ConfigurationException} naming the bad setting.
     */
    void start() throws Exception;

    /** What the part's "started" log line says after its name (the endpoint it bound, how much it holds...). */
    default String describe()
    {
        return "";
    }

    /** Registers the part's checks with the process's health; called once, right after the part started. */
    default void health(final Health health)
    {
    }

    /**
     * Stops the part, bounded in time (each part bounds its own waits). Called once, also after a start that threw
     * halfway, so it tolerates whatever the start left behind.
     */
    void stop() throws Exception;
}
