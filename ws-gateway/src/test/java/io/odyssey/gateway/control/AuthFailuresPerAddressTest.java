package io.odyssey.gateway.control;

import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.Counter;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class AuthFailuresPerAddressTest
{
    private static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(60);

    private final Metrics metrics = new Metrics("test");
    private final Counter limited = metrics.counter("limited_total", "limited");
    private final Counter untracked = metrics.counter("untracked_total", "untracked");
    private long now = 1_000;
    private final AuthFailuresPerAddress failures = new AuthFailuresPerAddress(3, WINDOW_NS, limited, untracked, () -> now);

    @Test
    void shouldRefuseAnAddressPastTheLimitUntilItsWindowEndsAndNoOtherAddress()
    {
        for (int i = 0; i < 3; i++)
        {
            assertThat(failures.refusedForS("address:192.0.2.1")).isZero();
            failures.failed("address:192.0.2.1");
            now += TimeUnit.SECONDS.toNanos(1);
        }

        assertThat(failures.refusedForS("address:192.0.2.1")).isEqualTo(57);
        assertThat(failures.refusedForS("address:192.0.2.2")).isZero();
        assertThat(limited.get()).isEqualTo(1);
        now = 1_000 + WINDOW_NS - 1;
        assertThat(failures.refusedForS("address:192.0.2.1")).isEqualTo(1);
        now = 1_000 + WINDOW_NS;
        assertThat(failures.refusedForS("address:192.0.2.1")).isZero();
        assertThat(failures.addresses()).isZero();
    }

    @Test
    void shouldStartANewWindowAtTheFirstFailureAfterTheLastOneEnded()
    {
        failures.failed("address:192.0.2.1");
        failures.failed("address:192.0.2.1");
        now += WINDOW_NS;
        failures.failed("address:192.0.2.1");
        failures.failed("address:192.0.2.1");

        assertThat(failures.refusedForS("address:192.0.2.1")).isZero();
        failures.failed("address:192.0.2.1");
        assertThat(failures.refusedForS("address:192.0.2.1")).isEqualTo(60);
    }

    @Test
    void shouldNeverEvictALiveAddressForNewcomersWhenTheTableIsFull()
    {
        for (int i = 0; i < 3; i++)
        {
            failures.failed("address:192.0.2.1");
        }
        for (int i = 1; i < AuthFailuresPerAddress.MAX_ADDRESSES; i++)
        {
            failures.failed("address:10.0." + (i >> 8) + "." + (i & 0xff));
        }
        assertThat(failures.addresses()).isEqualTo(AuthFailuresPerAddress.MAX_ADDRESSES);

        // Thousands more addresses: the table does not grow and the guesser stays refused.
        for (int i = 0; i < 5_000; i++)
        {
            failures.failed("address:10.1." + (i >> 8) + "." + (i & 0xff));
        }

        assertThat(failures.addresses()).isEqualTo(AuthFailuresPerAddress.MAX_ADDRESSES);
        assertThat(untracked.get()).isEqualTo(5_000);
        assertThat(failures.refusedForS("address:192.0.2.1")).isPositive();
        // Once the windows have passed, the sweep makes room again.
        now += WINDOW_NS + TimeUnit.SECONDS.toNanos(2);
        failures.failed("address:10.2.0.1");
        assertThat(failures.addresses()).isEqualTo(1);
    }

    @Test
    void shouldLimitNothingWhenTheLimitIsZero()
    {
        final AuthFailuresPerAddress off = new AuthFailuresPerAddress(0, WINDOW_NS, limited, untracked, () -> now);
        for (int i = 0; i < 1_000; i++)
        {
            off.failed("address:192.0.2.1");
        }
        assertThat(off.refusedForS("address:192.0.2.1")).isZero();
        assertThat(off.addresses()).isZero();
    }

    @Test
    void shouldKeyAnIpv6HostByItsSlash64AndAnIpv4HostExactly()
    {
        assertThat(AuthFailuresPerAddress.addressKey(new InetSocketAddress("2001:db8:1:2:aaaa::1", 1)))
            .isEqualTo(AuthFailuresPerAddress.addressKey(new InetSocketAddress("2001:db8:1:2:bbbb::9", 2)))
            .isNotEqualTo(AuthFailuresPerAddress.addressKey(new InetSocketAddress("2001:db8:1:3::1", 1)));
        assertThat(AuthFailuresPerAddress.addressKey(new InetSocketAddress("192.0.2.1", 1))).isEqualTo("address:192.0.2.1");
    }
}
