package io.framepack.worker.cli;

import com.sun.net.httpserver.HttpServer;
import io.framepack.api.v1alpha1.S3Location;
import io.framepack.api.worker.WorkerJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An S3 endpoint that trickles its body (each read within the SDK's timeouts) cannot hold the worker. */
class ImageSourcesS3DeadlineTest {
    @TempDir
    Path dir;
    HttpServer server;

    @BeforeEach
    void start() throws IOException {
        // Any key signs the request; the endpoint below checks none (the SDK's own chain reads these).
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/inputs/girl.png", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, 1 << 20);
            try (OutputStream body = exchange.getResponseBody()) {
                for (int i = 0; i < 1 << 20; i++) {
                    body.write(0);
                    body.flush();
                    Thread.sleep(200);
                }
            } catch (IOException | InterruptedException abandoned) {
                // the reader gave up, as it should
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @Test
    void aTricklingObjectFailsAtTheDeadlineNamingTheObject() {
        WorkerJob.ImageInput image = new WorkerJob.ImageInput();
        image.s3 = new S3Location();
        image.s3.bucket = "inputs";
        image.s3.prefix = "girl.png";
        image.s3.endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
        image.s3.pathStyle = true;

        assertThatThrownBy(() -> ImageSources.s3(image, dir, Duration.ofSeconds(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("image s3://inputs/girl.png")
                .hasMessageContaining("not done within 1 s");
    }
}
