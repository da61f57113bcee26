package io.odyssey.drill;

/**
 * One fault played against the running stack. A drill leaves the stack as it found it (what it killed it starts again);
 * the runner then checks that the whole stack is healthy before the next drill.
 */
public interface Drill
{
    /** The name {@code --only} selects it by, e.g. {@code ws-churn}. */
    String name();

    /** One sentence: the fault, and what must hold. */
    String summary();

    void run(DrillContext context) throws Exception;
}
