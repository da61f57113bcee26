package io.odyssey.ingest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ImageAdmissionTest
{
    @Test
    void shouldBoundSendersPerAddressWhateverTheirPort()
    {
        assertThat(ImageAdmission.sourceAddress("192.0.2.7:40123")).isEqualTo("192.0.2.7");
        assertThat(ImageAdmission.sourceAddress("192.0.2.7:1")).isEqualTo(ImageAdmission.sourceAddress("192.0.2.7:65535"));
        assertThat(ImageAdmission.sourceAddress("[2001:db8::7]:40123")).isEqualTo("2001:db8::7");
        assertThat(ImageAdmission.sourceAddress("2001:db8::7:40123")).isEqualTo("2001:db8::7");
        assertThat(ImageAdmission.sourceAddress("localhost")).isEqualTo("localhost");
    }
}
