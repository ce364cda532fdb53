package io.callbridge.api;

import java.util.Map;
import java.util.Optional;

/** Tokens from configuration ({@code callbridge.auth.tokens.<token>=<userId>}). */
public final class ConfiguredTokens implements TokenVerifier {

    private final Map<String, String> tokens;

    public ConfiguredTokens(Map<String, String> tokens) {
        this.tokens = Map.copyOf(tokens);
    }

    @Override
    public Optional<String> userOf(String accessToken) {
        return accessToken == null ? Optional.empty() : Optional.ofNullable(tokens.get(accessToken));
    }
}
