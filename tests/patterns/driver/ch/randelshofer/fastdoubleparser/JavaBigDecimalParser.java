// Souq's stand-in for the one method of ch.randelshofer:fastdoubleparser
// that Event Ruler calls (ComparableNumber.generate): the library has no
// Debian package. fastdoubleparser's parseBigDecimal accepts the syntax of
// BigDecimal(String) and throws NumberFormatException otherwise; so does
// this, only slower.
package ch.randelshofer.fastdoubleparser;

import java.math.BigDecimal;

public final class JavaBigDecimalParser {
    private JavaBigDecimalParser() {
    }

    public static BigDecimal parseBigDecimal(CharSequence str) {
        return new BigDecimal(str.toString());
    }
}
