package io.odyssey.runtime;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitedLogTest
{
    @Test
    void shouldPermitOneLinePerIntervalAndSayHowManyWereSuppressedMeanwhile()
    {
        final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), 1_000);

        assertThat(log.tryAcquireShared(5_000)).isZero();
        assertThat(log.tryAcquireShared(5_500)).isEqualTo(-1);
        assertThat(log.tryAcquireShared(5_999)).isEqualTo(-1);
        assertThat(log.tryAcquireShared(6_000)).isEqualTo(2);
        assertThat(log.tryAcquireShared(6_001)).isEqualTo(-1);
    }
}
