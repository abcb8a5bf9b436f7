package io.framepack.worker.cli;

import java.net.URI;

/** URLs as messages show them: without user info, query and fragment, which may carry a token. */
final class Urls {
    private Urls() {
    }

    static String shown(URI url) {
        StringBuilder shown = new StringBuilder();
        if (url.getScheme() != null) {
            shown.append(url.getScheme()).append("://");
        }
        if (url.getHost() != null) {
            shown.append(url.getHost());
        }
        if (url.getPort() >= 0) {
            shown.append(':').append(url.getPort());
        }
        if (url.getRawPath() != null) {
            shown.append(url.getRawPath());
        }
        if (url.getRawQuery() != null) {
            shown.append("?…");
        }
        return shown.toString();
    }
}
