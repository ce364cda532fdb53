package io.callbridge.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds any of many secrets in a file in one pass: each position's first {@value Secrets#SHORTEST} characters are
 * looked up among the secrets' own, so thousands of secrets cost no more than a few. The first twelve characters
 * of a longer secret count as a leak too.
 */
public final class SecretScan {

    /** A secret found: where, and the text around it with the secret masked. */
    public record Finding(Path file, String secretStart, String around) {
        @Override
        public String toString() {
            return file + ": a secret (" + secretStart + "…) in «" + around + "»";
        }
    }

    static final int LEADING = 12;

    private final Map<String, List<String>> byStart = new HashMap<>();

    /** Each secret as written and as JSON writes it ({@code /} escaped). */
    public SecretScan(Collection<String> secrets) {
        for (String s : secrets) {
            for (String form : new String[] {s, s.replace("/", "\\/")}) {
                if (form.length() >= Secrets.SHORTEST) {
                    List<String> same = byStart.computeIfAbsent(form.substring(0, Secrets.SHORTEST), k -> new ArrayList<>());
                    if (!same.contains(form)) {
                        same.add(form);
                    }
                }
            }
        }
    }

    /** The secret, or its first {@value #LEADING} characters or more (a log that quotes "the start" of one), at i. */
    private static boolean leaked(String text, int i, String secret) {
        int n = 0;
        while (n < secret.length() && i + n < text.length() && text.charAt(i + n) == secret.charAt(n)) {
            n++;
        }
        return n == secret.length() || n >= LEADING;
    }

    /** The text with every secret in it, this one and any other, replaced. */
    private String masked(String text) {
        String out = text;
        for (List<String> same : byStart.values()) {
            for (String secret : same) {
                out = out.replace(secret, "[SECRET]");
                if (secret.length() > LEADING) {
                    out = out.replace(secret.substring(0, LEADING), "[SECRET…]");
                }
            }
        }
        return out;
    }

    public List<Finding> scan(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        List<Finding> found = new ArrayList<>();
        for (int i = 0; i + Secrets.SHORTEST <= text.length(); i++) {
            List<String> candidates = byStart.get(text.substring(i, i + Secrets.SHORTEST));
            if (candidates == null) {
                continue;
            }
            for (String secret : candidates) {
                if (leaked(text, i, secret)) {
                    String around = text.substring(Math.max(0, i - 60), Math.min(text.length(), i + secret.length() + 60));
                    found.add(new Finding(file, secret.substring(0, 4), masked(around).replace('\n', ' ')));
                    break;
                }
            }
        }
        return found;
    }
}
