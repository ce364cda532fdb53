package io.callbridge.api;

import java.util.Optional;

/** Who an app access token belongs to. The configured map is the default; a production verifier replaces it. */
public interface TokenVerifier {

    Optional<String> userOf(String accessToken);
}
