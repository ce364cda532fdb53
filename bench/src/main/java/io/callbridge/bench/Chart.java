package io.callbridge.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/** latency-vs-load.png: p50 and p99 ring latency (log y) against offered rate (log x), one colour per system. */
final class Chart {

    private static final Color[] COLORS = {
        new Color(0x55, 0x55, 0x55), new Color(0x1f, 0x77, 0xb4), new Color(0xff, 0x7f, 0x0e),
        new Color(0xd6, 0x27, 0x28), new Color(0x2c, 0xa0, 0x2c), new Color(0x94, 0x67, 0xbd), new Color(0x8c, 0x56, 0x4b)
    };

    private Chart() {
    }

    static void draw(Results r, List<String> systems, Path file) throws Exception {
        System.setProperty("java.awt.headless", "true");
        int w = 1600;
        int h = 900;
        int left = 110;
        int right = 420;
        int top = 90;
        int bottom = 100;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);

        TreeSet<Integer> rates = new TreeSet<>();
        double minLat = Double.MAX_VALUE;
        double maxLat = 0;
        for (Results.SystemRound sr : r.rounds) {
            if (sr.ladder == null) {
                continue;
            }
            for (Results.Step st : sr.ladder.steps) {
                rates.add(st.rate);
                for (double v : new double[] {st.p50Ms, st.p99Ms}) {
                    if (!Double.isInfinite(v) && !Double.isNaN(v)) {
                        minLat = Math.min(minLat, v);
                        maxLat = Math.max(maxLat, v);
                    }
                }
            }
        }
        if (rates.isEmpty()) {
            rates.add(200);
        }
        double yMin = Math.pow(10, Math.floor(Math.log10(Math.max(0.1, minLat == Double.MAX_VALUE ? 1 : minLat))));
        double yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(1000, maxLat * 1.01))));
        double xMin = rates.first() / 1.25;
        double xMax = rates.last() * 1.25;
        int plotW = w - left - right;
        int plotH = h - top - bottom;
        int lostBand = 40;
        int plotTop = top + lostBand;
        int plotInnerH = plotH - lostBand;

        java.util.function.DoubleUnaryOperator X = v -> left + plotW * (Math.log(v / xMin) / Math.log(xMax / xMin));
        java.util.function.DoubleUnaryOperator Y = v -> Double.isInfinite(v) ? top + lostBand / 2.0
                : plotTop + plotInnerH * (1 - Math.log(Math.max(v, yMin) / yMin) / Math.log(yMax / yMin));

        Font title = new Font(Font.SANS_SERIF, Font.BOLD, 24);
        Font label = new Font(Font.SANS_SERIF, Font.PLAIN, 18);
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 15);

        g.setColor(Color.BLACK);
        g.setFont(title);
        g.drawString("CallBridge bench: ring latency against offered load", left, 38);
        g.setFont(small);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%s run, %s UTC, %s round(s), medians. Solid: p50, dashed: p99. Log scales. "
                        + "Top band: rings lost (∞).", r.options.get("mode"), shortDate(r.machine.get("date")), r.options.get("rounds")),
                left, 64);

        // lost band
        g.setColor(new Color(0xfb, 0xe9, 0xe9));
        g.fillRect(left, top, plotW, lostBand);
        g.setColor(new Color(0xb0, 0x30, 0x30));
        g.setFont(small);
        g.drawString("lost (∞)", left - 80, top + lostBand / 2 + 5);

        // grid and axes
        g.setFont(small);
        Stroke thin = new BasicStroke(1f);
        for (double v = yMin; v <= yMax * 1.0001; v *= 10) {
            int y = (int) Math.round(Y.applyAsDouble(v));
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.setStroke(thin);
            g.drawLine(left, y, left + plotW, y);
            for (int k = 2; k < 10 && v * k < yMax; k++) {
                int yy = (int) Math.round(Y.applyAsDouble(v * k));
                g.setColor(new Color(0xf0, 0xf0, 0xf0));
                g.drawLine(left, yy, left + plotW, yy);
            }
            g.setColor(Color.BLACK);
            String t = v >= 1000 ? String.format(Locale.ROOT, "%.0f s", v / 1000) : v >= 1 ? String.format(Locale.ROOT, "%.0f ms", v)
                    : String.format(Locale.ROOT, "%.1f ms", v);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(t, left - 10 - fm.stringWidth(t), y + 5);
        }
        for (int rate : rates) {
            int x = (int) Math.round(X.applyAsDouble(rate));
            g.setColor(new Color(0xe6, 0xe6, 0xe6));
            g.drawLine(x, plotTop, x, plotTop + plotInnerH);
            g.setColor(Color.BLACK);
            String t = Integer.toString(rate);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(t, x - fm.stringWidth(t) / 2, plotTop + plotInnerH + 22);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.5f));
        g.drawRect(left, top, plotW, plotH);
        g.setFont(label);
        FontMetrics lfm = g.getFontMetrics();
        String xl = "offered rate (rings per second)";
        g.drawString(xl, left + plotW / 2 - lfm.stringWidth(xl) / 2, h - bottom + 60);
        Graphics2D gr = (Graphics2D) g.create();
        gr.rotate(-Math.PI / 2);
        String yl = "ring → webhook latency";
        gr.drawString(yl, -(plotTop + plotInnerH / 2 + lfm.stringWidth(yl) / 2), 28);
        gr.dispose();

        // 100 ms line
        double bound = r.options.get("sustainP99Ms") instanceof Number n ? n.doubleValue() : 100;
        if (bound > yMin && bound < yMax) {
            int y = (int) Math.round(Y.applyAsDouble(bound));
            g.setColor(new Color(0xc0, 0x00, 0x00));
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
            g.drawLine(left, y, left + plotW, y);
            g.setFont(small);
            g.drawString(String.format(Locale.ROOT, "%.0f ms", bound), left + plotW - 60, y - 6);
        }

        // series
        int legendY = top + 10;
        for (int i = 0; i < systems.size(); i++) {
            String sys = systems.get(i);
            Color c = COLORS[i % COLORS.length];
            List<double[]> p50 = new ArrayList<>();
            List<double[]> p99 = new ArrayList<>();
            for (int rate : rates) {
                List<Double> a = new ArrayList<>();
                List<Double> b = new ArrayList<>();
                boolean limited = false;
                for (Results.SystemRound sr : r.rounds) {
                    if (!sr.system.equals(sys) || sr.ladder == null) {
                        continue;
                    }
                    for (Results.Step st : sr.ladder.steps) {
                        if (st.rate == rate) {
                            a.add(st.p50Ms);
                            b.add(st.p99Ms);
                            limited |= st.harnessLimited;
                        }
                    }
                }
                if (!a.isEmpty()) {
                    p50.add(new double[] {rate, Stats.median(a), limited ? 1 : 0});
                    p99.add(new double[] {rate, Stats.median(b), limited ? 1 : 0});
                }
            }
            // lost points sit in the top band, shifted a little per system so that none hides another
            int shift = (i - systems.size() / 2) * 14;
            series(g, p50, c, new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND), X, Y, false, shift);
            series(g, p99, c, new BasicStroke(3f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {10f, 6f}, 0f), X, Y, true, shift);

            // legend
            int lx = left + plotW + 25;
            g.setStroke(new BasicStroke(3f));
            g.setColor(c);
            g.drawLine(lx, legendY + 10, lx + 40, legendY + 10);
            g.fillOval(lx + 15, legendY + 5, 10, 10);
            g.setColor(Color.BLACK);
            g.setFont(label);
            g.drawString(Report.label(sys), lx + 50, legendY + 16);
            legendY += 34;
        }
        g.setFont(small);
        g.setColor(Color.DARK_GRAY);
        int lx = left + plotW + 25;
        g.setStroke(new BasicStroke(3f));
        g.drawLine(lx, legendY + 14, lx + 40, legendY + 14);
        g.drawString("p50", lx + 50, legendY + 19);
        g.setStroke(new BasicStroke(3f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {10f, 6f}, 0f));
        g.drawLine(lx, legendY + 40, lx + 40, legendY + 40);
        g.drawString("p99", lx + 50, legendY + 45);
        g.setStroke(new BasicStroke(2f));
        g.setColor(Color.WHITE);
        g.fillOval(lx + 14, legendY + 59, 12, 12);
        g.setColor(Color.DARK_GRAY);
        g.drawOval(lx + 14, legendY + 59, 12, 12);
        g.drawString("hollow: harness-limited step", lx + 50, legendY + 70);
        g.drawString("machine: " + r.machine.get("nproc") + " cores", lx, legendY + 105);
        g.drawString("harness, broker and system", lx, legendY + 125);
        g.drawString("share these cores", lx, legendY + 145);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static String shortDate(Object iso) {
        String s = String.valueOf(iso);
        return s.length() >= 16 ? s.substring(0, 10) + " " + s.substring(11, 16) : s;
    }

    private static void series(Graphics2D g, List<double[]> pts, Color c, Stroke stroke,
            java.util.function.DoubleUnaryOperator X, java.util.function.DoubleUnaryOperator Y, boolean squares, int lostShift) {
        if (pts.isEmpty()) {
            return;
        }
        g.setColor(c);
        g.setStroke(stroke);
        Path2D path = new Path2D.Double();
        boolean first = true;
        for (double[] p : pts) {
            double x = X.applyAsDouble(p[0]) + (Double.isInfinite(p[1]) ? lostShift : 0);
            double y = Y.applyAsDouble(p[1]);
            if (first) {
                path.moveTo(x, y);
                first = false;
            } else {
                path.lineTo(x, y);
            }
        }
        g.draw(path);
        g.setStroke(new BasicStroke(2f));
        for (double[] p : pts) {
            int x = (int) Math.round(X.applyAsDouble(p[0]) + (Double.isInfinite(p[1]) ? lostShift : 0));
            int y = (int) Math.round(Y.applyAsDouble(p[1]));
            if (Double.isInfinite(p[1])) {
                g.drawLine(x - 7, y - 7, x + 7, y + 7);
                g.drawLine(x - 7, y + 7, x + 7, y - 7);
            } else if (p[2] > 0) {
                // harness-limited step: hollow marker
                g.setColor(Color.WHITE);
                if (squares) {
                    g.fillRect(x - 5, y - 5, 10, 10);
                } else {
                    g.fillOval(x - 6, y - 6, 12, 12);
                }
                g.setColor(c);
                if (squares) {
                    g.drawRect(x - 5, y - 5, 10, 10);
                } else {
                    g.drawOval(x - 6, y - 6, 12, 12);
                }
            } else if (squares) {
                g.fillRect(x - 5, y - 5, 10, 10);
            } else {
                g.fillOval(x - 6, y - 6, 12, 12);
            }
        }
    }
}
