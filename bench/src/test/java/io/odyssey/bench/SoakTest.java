package io.odyssey.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The soak's readings of jcmd (as JDK 17 and 25 print them, per collector) and its verdict per process. */
class SoakTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReadTheLiveBytesFromAClassHistogramsTotalLine() throws IOException
    {
        final String histogram = """
            19140:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:         12345        1234567  [B (java.base@17.0.15)
             700:             1             16  sun.nio.fs.UnixFileAttributes$UnixAsBasicFileAttributes (java.base@17.0.15)
            Total         59054        2820360
            """;

        assertThat(Soak.histogramTotalBytes(histogram)).isEqualTo(2_820_360L);
        assertThatThrownBy(() -> Soak.histogramTotalBytes("19140:\nAttach failed: no such process\n"))
            .isInstanceOf(IOException.class).hasMessageContaining("Attach failed");
    }

    @Test
    void shouldSumTheHeapInUseOverTheSpacesOfEachCollectorAndJdk()
    {
        final String g1Jdk17 = """
            19140:
             garbage-first heap   total 65536K, used 8965K [0x00000000fc000000, 0x0000000100000000)
              region size 1024K, 6 young (6144K), 1 survivors (1024K)
             Metaspace       used 8912K, committed 9088K, reserved 1114112K
              class space    used 1062K, committed 1152K, reserved 1048576K
            """;
        final String g1Jdk25 = """
            19795:
            garbage-first heap   total reserved 65536K, committed 65536K, used 12171K [0x00000000fc000000, 0x0000000100000000)
             region size 1024K, 10 young (10240K), 2 survivors (2048K)
            """;
        final String serialJdk17 = """
             def new generation   total 19648K, used 14081K [0x00000000fc000000, 0x00000000fd550000, 0x00000000fd550000)
              eden space 17472K,  80% used [0x00000000fc000000, 0x00000000fcdc06e0, 0x00000000fd110000)
              from space 2176K,   0% used [0x00000000fd110000, 0x00000000fd110000, 0x00000000fd330000)
             tenured generation   total 43712K, used 100K [0x00000000fd550000, 0x0000000100000000, 0x0000000100000000)
               the space 43712K,   0% used [0x00000000fd550000, 0x00000000fd550000, 0x00000000fd550200, 0x0000000100000000)
             Metaspace       used 8936K, committed 9088K, reserved 1114112K
            """;
        final String parallelJdk25 = """
            PSYoungGen      total 18944K, used 8779K [0x00000000feb00000, 0x0000000100000000, 0x0000000100000000)
             eden space 16384K, 38% used [0x00000000feb00000,0x00000000ff116bf8,0x00000000ffb00000)
            ParOldGen       total 44032K, used 1802K [0x00000000fc000000, 0x00000000feb00000, 0x00000000feb00000)
             object space 44032K, 4% used [0x00000000fc000000,0x00000000fc1c2ad8,0x00000000feb00000)
            """;

        assertThat(Soak.heapUsedBytes(g1Jdk17)).isEqualTo(8_965L * 1024);
        assertThat(Soak.heapUsedBytes(g1Jdk25)).isEqualTo(12_171L * 1024);
        assertThat(Soak.heapUsedBytes(serialJdk17)).isEqualTo((14_081L + 100) * 1024);
        assertThat(Soak.heapUsedBytes(parallelJdk25)).isEqualTo((8_779L + 1_802) * 1024);
        assertThat(Soak.heapUsedBytes("nothing a collector would print")).isEqualTo(-1);
    }

    @Test
    void shouldCallAProcessFlatOnlyWhileNoSampleRisesMoreThanTenPercentAboveTheFirst()
    {
        final List<Soak.Role> roles = List.of(new Soak.Role("ws-gateway", 10), new Soak.Role("archiver-1", 11),
            new Soak.Role("simulator", 12));
        final List<Soak.Sample> samples = List.of(
            sample(60, "ws-gateway", 100), sample(60, "archiver-1", 100), sample(60, "simulator", 50),
            sample(120, "ws-gateway", 110), sample(120, "archiver-1", 104),
            sample(180, "ws-gateway", 95), sample(180, "archiver-1", 111));

        final List<Soak.Verdict> verdicts = Soak.verdicts(roles, samples);

        assertThat(verdicts).extracting(Soak.Verdict::role, Soak.Verdict::flat)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("ws-gateway", true),
                org.assertj.core.groups.Tuple.tuple("archiver-1", false),
                org.assertj.core.groups.Tuple.tuple("simulator", false));
        assertThat(verdicts.get(0).lastBytes()).isEqualTo(95L << 20);
        assertThat(verdicts.get(1).maxBytes()).isEqualTo(111L << 20);
        final String report = Soak.report(verdicts, Map.of("simulator", "jcmd failed: no such process"),
            Map.of("ws_opened", 42L), 180, 60);
        assertThat(report).contains("| ws-gateway | 3 | 100.0 | 95.0 | 110.0 | +10.0 % | yes |",
            "| archiver-1 | 3 | 100.0 | 111.0 | 111.0 | +11.0 % | **no** |", "| simulator | 1 | 50.0 | 50.0 | 50.0 | +0.0 % | too few samples |",
            "**simulator was gone before the end**: jcmd failed", "ws_opened=42");
    }

    @Test
    void shouldReadTheLaunchersPidFile() throws IOException
    {
        final Path pids = Files.writeString(dir.resolve("launcher.pids"), "grid-node 101\nedge-ingest 102\n\nws-gateway 103\n");

        assertThat(Soak.readPids(pids)).containsExactly(new Soak.Role("grid-node", 101), new Soak.Role("edge-ingest", 102),
            new Soak.Role("ws-gateway", 103));
        assertThatThrownBy(() -> Soak.readPids(Files.writeString(dir.resolve("empty"), "\n")))
            .hasMessageContaining("names no process");
    }

    @Test
    void shouldMeasureTheLiveSetOfARunningJvmAfterAFullGcNotTheGarbageItLeft() throws Exception
    {
        // A real JVM holding 32 MB that it keeps, after making 96 MB of garbage it did not.
        final Process ballast = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"), Ballast.class.getName(), "32", "96")
            .redirectErrorStream(true).start();
        try
        {
            final java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(ballast.getInputStream()));
            assertThat(lines.readLine()).isEqualTo("ready");

            final String[] answers = Soak.diagnosticCommands(ballast.pid(), "gcClassHistogram", "gcHeapInfo");

            final long live = Soak.histogramTotalBytes(answers[0]);
            assertThat(live).isBetween(32L << 20, 48L << 20);
            assertThat(answers[0]).contains("[B");
            assertThat(Soak.heapUsedBytes(answers[1])).isBetween(32L << 20, 64L << 20);
        }
        finally
        {
            ballast.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Keeps args[0] MB reachable after allocating args[1] MB it drops, says "ready" and waits for its input to close. */
    public static final class Ballast
    {
        static byte[][] kept;

        public static void main(final String[] args) throws IOException
        {
            kept = new byte[Integer.parseInt(args[0])][];
            for (int i = 0; i < kept.length; i++)
            {
                kept[i] = new byte[1 << 20];
            }
            long sum = 0;
            for (int i = 0; i < Integer.parseInt(args[1]); i++)
            {
                sum += new byte[1 << 20].length;
            }
            System.out.println(sum > 0 ? "ready" : "?");
            System.out.flush();
            while (System.in.read() >= 0)
            {
                // until the test ends
            }
        }
    }

    private static Soak.Sample sample(final long at, final String role, final long mb)
    {
        return new Soak.Sample(at, role, 1, mb << 20, mb << 20);
    }
}
