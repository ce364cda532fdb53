package io.callbridge.p2p;

import java.util.Random;

/**
 * Seeded random cases for property tests: each test gets its own stream from a fixed seed, and a failure
 * names the case's seed and input so that it can be replayed. {@code -Dp2p.seed=N} tries another stream.
 */
final class PropertyCases {

    static final long BASE_SEED = Long.getLong("p2p.seed", 0x5EEDCA11L);

    interface Case {
        void run(Random random);
    }

    private PropertyCases() {
    }

    static void forAll(String property, int count, Case body) {
        Random base = new Random(BASE_SEED ^ property.hashCode());
        for (int i = 0; i < count; i++) {
            long seed = base.nextLong();
            try {
                body.run(new Random(seed));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(property + ": case " + i + " of " + count + " failed (case seed " + seed
                        + ", base seed " + BASE_SEED + "): " + e, e);
            }
        }
    }

    /** The input as printable ASCII, cut to 300 characters, so that a failure message shows it exactly. */
    static String show(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(s.length(), 300); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        sb.append('"');
        return s.length() > 300 ? sb + "… (" + s.length() + " chars)" : sb.toString();
    }

    static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    /** A string of length min..max drawn from the alphabet (whose surrogate pairs are kept together). */
    static String text(Random r, int min, int max, String[] alphabet) {
        int n = min + r.nextInt(max - min + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet[r.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }
}
