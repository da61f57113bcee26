package io.odyssey.ingest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityArraySetTest
{
    @Test
    void shouldMoveTheLastElementIntoTheGapOfARemovedOne()
    {
        final IdentityArraySet<String> set = new IdentityArraySet<>(4);
        final String a = "a";
        final String b = "b";
        final String c = "c";
        assertThat(set.add(a)).isZero();
        assertThat(set.add(b)).isEqualTo(1);
        assertThat(set.add(c)).isEqualTo(2);

        assertThat(set.removeAt(0)).as("where the moved element came from").isEqualTo(2);

        assertThat(elements(set)).containsExactly(c, b);
        assertThat(set.indexOf(a)).isEqualTo(-1);
    }

    @Test
    void shouldFindAndRemoveTheSameObjectOnlyNotAnEqualOne()
    {
        final IdentityArraySet<String> set = new IdentityArraySet<>(2);
        final String held = new String("image");
        set.add(held);

        assertThat(set.remove(new String("image"))).as("an equal object, not the one held").isFalse();
        assertThat(set.size()).isEqualTo(1);
        assertThat(set.remove(held)).isTrue();
        assertThat(set.size()).isZero();
        assertThat(set.remove(held)).as("removed twice: the second finds nothing").isFalse();
    }

    @Test
    void shouldGrowPastItsCapacityKeepingEveryElement()
    {
        final IdentityArraySet<Integer> set = new IdentityArraySet<>(1);
        final List<Integer> added = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            final Integer element = Integer.valueOf(1000 + i);
            added.add(element);
            set.add(element);
        }

        assertThat(set.capacity()).isGreaterThanOrEqualTo(100);
        assertThat(elements(set)).containsExactlyElementsOf(added);
        for (int i = 0; i < 100; i += 2)
        {
            assertThat(set.remove(added.get(i))).isTrue();
        }
        assertThat(elements(set)).hasSize(50).doesNotContainAnyElementsOf(added.subList(0, 1))
            .containsExactlyInAnyOrderElementsOf(added.stream().filter(e -> (e - 1000) % 2 == 1).toList());
    }

    @Test
    void shouldLetGoOfARemovedElement()
    {
        final IdentityArraySet<Object> set = new IdentityArraySet<>(2);
        set.add(new Object());
        set.add(new Object());
        set.removeAt(1);
        set.removeAt(0);

        // Nothing past the size is held: a dropped image is not kept alive by the array that held it.
        assertThat(set.size()).isZero();
        assertThat(set.get(0)).isNull();
        assertThat(set.get(1)).isNull();
    }

    private static <E> List<E> elements(final IdentityArraySet<E> set)
    {
        final List<E> elements = new ArrayList<>();
        for (int i = 0; i < set.size(); i++)
        {
            elements.add(set.get(i));
        }
        return elements;
    }
}
