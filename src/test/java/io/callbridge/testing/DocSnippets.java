package io.callbridge.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The fenced code blocks of a page of the docs, so that tests run the snippets as the page shows them. */
public final class DocSnippets {

    private static final Pattern BLOCK = Pattern.compile("(?m)^( *)```(\\w+)\\n(.*?)^\\1```", Pattern.DOTALL);

    private DocSnippets() {
    }

    /** Each block as {language, text}, the text unindented as far as its fence is. */
    public static List<String[]> blocks(String markdown) {
        List<String[]> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(markdown);
        while (m.find()) {
            int indent = m.group(1).length();
            String text = m.group(3).lines().map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
                    .collect(Collectors.joining("\n", "", "\n"));
            blocks.add(new String[] {m.group(2), text});
        }
        return blocks;
    }

    /** The one {@code language} block of {@code page} that contains {@code marker}. */
    public static String block(Path page, String language, String marker) {
        try {
            List<String> found = blocks(Files.readString(page)).stream()
                    .filter(b -> b[0].equals(language) && b[1].contains(marker)).map(b -> b[1]).toList();
            if (found.size() != 1) {
                throw new IllegalStateException(found.size() + " " + language + " blocks in " + page + " hold "
                        + marker);
            }
            return found.get(0);
        } catch (IOException e) {
            throw new IllegalStateException("reading " + page, e);
        }
    }
}
