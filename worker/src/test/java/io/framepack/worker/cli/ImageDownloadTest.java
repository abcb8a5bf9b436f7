package io.framepack.worker.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.framepack.api.worker.WorkerContract;
import io.framepack.worker.runtime.InvalidInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Image URLs against a real HTTP server in this process (the JDK's): sizes, stalls, redirects, addresses. */
class ImageDownloadTest {
    static final byte[] IMAGE = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4};
    static final ImageDownload.Limits TIGHT = new ImageDownload.Limits(1 << 20, Duration.ofSeconds(5), Duration.ofMillis(500),
            Duration.ofSeconds(3), 3);

    HttpServer server;
    final CountDownLatch released = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/girl.png", exchange -> reply(exchange, 200, IMAGE));
        server.createContext("/endless", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = exchange.getResponseBody()) {
                byte[] chunk = new byte[64 << 10];
                while (true) {
                    body.write(chunk);
                }
            } catch (IOException closedByTheClient) {
                // the download gave up, as it should
            }
        });
        server.createContext("/declared-huge", exchange -> {
            exchange.getResponseHeaders().add("Content-Length", Long.toString(3L << 30));
            exchange.sendResponseHeaders(200, 3L << 30);
            awaitRelease();
            exchange.close();
        });
        server.createContext("/stall-after-headers", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(IMAGE, 0, 4);
            exchange.getResponseBody().flush();
            awaitRelease();
            exchange.close();
        });
        server.createContext("/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = exchange.getResponseBody()) {
                while (released.getCount() > 0) {
                    body.write(0);
                    body.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException closedByTheClient) {
                // the download gave up
            }
        });
        server.createContext("/to-loopback", exchange -> redirect(exchange, "http://127.0.0.1:" + port() + "/girl.png"));
        server.createContext("/loop", exchange -> redirect(exchange, "/loop"));
        server.createContext("/to-girl", exchange -> redirect(exchange, "/girl.png"));
        server.start();
    }

    @AfterEach
    void stop() {
        released.countDown();
        server.stop(0);
    }

    private void awaitRelease() {
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().add("Location", location);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    static ImageDownload allowing(String allowList) {
        return new ImageDownload(UrlPolicy.allowing(allowList), TIGHT);
    }

    @Test
    void anAllowedServerGivesTheImage() throws IOException {
        assertThat(allowing("127.0.0.1").get(url("/girl.png"))).isEqualTo(IMAGE);
        assertThat(allowing("10.0.0.0/8, 127.0.0.0/8").get(url("/girl.png"))).isEqualTo(IMAGE);
        assertThat(allowing("LocalHost").get("http://localhost:" + port() + "/to-girl")).isEqualTo(IMAGE);
    }

    @Test
    void anEndlessBodyIsCutAtTheLimit() {
        assertThatThrownBy(() -> allowing("127.0.0.1").get(url("/endless")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("image " + url("/endless") + " is larger than the limit of 1048576 bytes (1 MiB)");
    }

    @Test
    void aDeclaredLengthAboveTheLimitIsRefusedBeforeTheBody() {
        assertThatThrownBy(() -> allowing("127.0.0.1").get(url("/declared-huge")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("is larger than the limit");
    }

    @Test
    void aServerThatStallsAfterTheHeadersIsAbandoned() {
        assertThatThrownBy(() -> allowing("127.0.0.1").get(url("/stall-after-headers")))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot download image " + url("/stall-after-headers") + ": the server sent nothing for 0.5 s");
    }

    @Test
    void aTrickleIsAbandonedAtTheTotalDeadline() {
        assertThatThrownBy(() -> allowing("127.0.0.1").get(url("/trickle")))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot download image " + url("/trickle") + ": not done within 3 s");
    }

    @Test
    void aRefusedConnectionNamesTheUrl() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + "/girl.png?token=secret";

        assertThatThrownBy(() -> allowing("127.0.0.1").get(url))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot download image http://127.0.0.1:" + closed + "/girl.png?…: connection refused");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:1/girl.png", "http://169.254.169.254/latest/meta-data/", "http://10.96.0.1/",
            "http://192.168.1.1/", "http://172.16.0.5/", "http://100.100.100.200/", "http://[::1]/", "http://[fe80::1]/",
            "http://[fd00:ec2::254]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://224.0.0.1/"})
    void internalAddressesAreRefusedByDefault(String url) {
        assertThatThrownBy(() -> allowing(null).get(url))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("image URL " + Urls.shown(URI.create(url)) + " leads to ")
                .hasMessageContaining("unless " + WorkerContract.URL_ALLOWLIST_ENV + " allows");
    }

    @Test
    void eachRedirectHopIsChecked() {
        assertThatThrownBy(() -> allowing("localhost").get("http://localhost:" + port() + "/to-loopback"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("image URL " + url("/girl.png") + " leads to 127.0.0.1");
    }

    @Test
    void endlessRedirectsAreRefused() {
        assertThatThrownBy(() -> allowing("127.0.0.1").get(url("/loop")))
                .isInstanceOf(InvalidInputException.class).hasMessage("image URL " + url("/loop") + " redirects more than 3 times");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://example.com/girl.png", "file:///etc/passwd", "http:///girl.png"})
    void onlyHttpUrlsWithAHostAreFetched(String url) {
        assertThatThrownBy(() -> allowing(null).get(url)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aMalformedAllowListIsNamed() {
        assertThatThrownBy(() -> UrlPolicy.allowing("10.0.0.0/99"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(WorkerContract.URL_ALLOWLIST_ENV + ": '10.0.0.0/99' is neither");
    }
}
