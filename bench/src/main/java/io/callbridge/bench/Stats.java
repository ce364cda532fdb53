package io.callbridge.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/** Percentiles (nearest rank; +Infinity stands for a lost ring) and medians. */
final class Stats {

    private Stats() {
    }

    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    static double[] sorted(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c;
    }

    /** Median of the non-null, non-NaN values (Infinity counts, and sorts last); NaN if none. */
    static double median(Collection<Double> values) {
        List<Double> v = new ArrayList<>();
        for (Double d : values) {
            if (d != null && !d.isNaN()) {
                v.add(d);
            }
        }
        if (v.isEmpty()) {
            return Double.NaN;
        }
        v.sort(null);
        int n = v.size();
        if (n % 2 == 1) {
            return v.get(n / 2);
        }
        double a = v.get(n / 2 - 1);
        double b = v.get(n / 2);
        return Double.isInfinite(b) ? b : (a + b) / 2;
    }

    static double medianOf(List<Double> values) {
        return median(values.stream().filter(Objects::nonNull).toList());
    }
}
