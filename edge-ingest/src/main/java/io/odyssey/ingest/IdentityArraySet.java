package io.odyssey.ingest;

import java.util.Arrays;

/**
 * A few objects held by identity in an array, in no order: add at the end, remove by moving the last one into the gap.
 * What {@link ImageAdmission} keeps on the ingest thread (the senders it reads, watches, or skips): read and scanned on
 * every poll, so indexed access with nothing allocated; only an add past the capacity allocates (it doubles). Not
 * thread-safe. A caller that keeps values beside the elements (by index) moves them as {@link #removeAt} says.
 */
final class IdentityArraySet<E>
{
    private Object[] elements;
    private int size;

    IdentityArraySet(final int initialCapacity)
    {
        elements = new Object[Math.max(1, initialCapacity)];
    }

    int size()
    {
        return size;
    }

    /** The length the elements' array has now: a caller's arrays of values beside them grow to this. */
    int capacity()
    {
        return elements.length;
    }

    @SuppressWarnings("unchecked")
    E get(final int index)
    {
        return (E)elements[index];
    }

    /** @return the index {@code element} is at (the last). */
    int add(final E element)
    {
        if (size == elements.length)
        {
            elements = Arrays.copyOf(elements, elements.length * 2);
        }
        elements[size] = element;
        return size++;
    }

    /** The index of {@code element} (the same object, not an equal one), or -1. */
    int indexOf(final Object element)
    {
        for (int i = 0; i < size; i++)
        {
            if (elements[i] == element)
            {
                return i;
            }
        }
        return -1;
    }

    /** Removes {@code element} (the same object) if held. @return whether it was. */
    boolean remove(final Object element)
    {
        final int index = indexOf(element);
        if (index < 0)
        {
            return false;
        }
        removeAt(index);
        return true;
    }

    /**
     * Removes the element at {@code index}; the last one takes its place (no gap, so scans stop at {@link #size}).
     *
     * @return the index the moved element came from, now free (the new {@link #size}): values kept beside the
     * elements move from there to {@code index}.
     */
    int removeAt(final int index)
    {
        final int last = --size;
        elements[index] = elements[last];
        elements[last] = null;
        return last;
    }
}
