package io.framepack.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.framepack.api.worker.ExitCode;
import io.framepack.api.worker.WorkerContract;
import io.framepack.api.worker.WorkerJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A worker process stopped by SIGTERM while it still reads its job (here: downloads the image) exits as terminated. */
class SignalBeforeRenderTest {
    @TempDir
    Path dir;

    @Test
    void aSigtermDuringTheImageDownloadExitsWithTheTerminatedCode() throws Exception {
        CountDownLatch downloading = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/girl.png", exchange -> {
            downloading.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        try {
            WorkerJob job = new WorkerJob();
            job.jobId = "videos/sunset/0a1b2c3d";
            job.prompt = "a sunset";
            job.image.url = "http://127.0.0.1:" + server.getAddress().getPort() + "/girl.png";
            job.modelDir = Files.createDirectories(dir.resolve("models")).toString();
            Files.writeString(dir.resolve("models/weights.bin"), "weights");
            job.checkpoints.directory = dir.resolve("checkpoints").toString();
            job.output.directory = dir.resolve("output").toString();
            new ObjectMapper().writeValue(dir.resolve("job.json").toFile(), job);
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run")
                    .redirectErrorStream(true);
            builder.environment().put(WorkerContract.ENV_JOB_FILE, dir.resolve("job.json").toString());
            builder.environment().put(WorkerContract.URL_ALLOWLIST_ENV, "127.0.0.1");
            builder.environment().put(WorkerContract.ENV_GRACE_SECONDS, "2");
            Process worker = builder.start();
            try {
                assertThat(downloading.await(60, TimeUnit.SECONDS)).as("the worker asked for the image").isTrue();

                worker.toHandle().destroy(); // SIGTERM, leaving the output readable

                assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
                String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(worker.exitValue()).as(output).isEqualTo(ExitCode.TERMINATED.code);
            } finally {
                worker.destroyForcibly();
            }
        } finally {
            released.countDown();
            server.stop(0);
        }
    }
}
