package dev.provisioning.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void codesAreUniqueAndPrefixed() {
        List<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).toList();
        assertThat(codes).doesNotHaveDuplicates().allMatch(c -> c.matches("E_[A-Z_]+"));
        assertThat(Arrays.stream(ErrorCode.values()).mapToInt(ErrorCode::httpStatus)).allMatch(s -> s >= 400 && s < 600);
    }

    @Test
    void publicCodesAreStable() {
        // Part of the public API: never renamed.
        assertThat(ErrorCode.INVALID_WORKFLOW.code()).isEqualTo("E_INVALID_WORKFLOW");
        assertThat(ErrorCode.CONFIG_INVALID.code()).isEqualTo("E_CONFIG_INVALID");
        assertThat(ErrorCode.ILLEGAL_TRANSITION.code()).isEqualTo("E_ILLEGAL_TRANSITION");
        assertThat(ErrorCode.ILLEGAL_TRANSITION.httpStatus()).isEqualTo(409);
        assertThat(ErrorCode.MODULE_OUTSIDE_LIB.httpStatus()).isEqualTo(400);
    }

    @Test
    void exceptionCopiesDetailsAndAllowsNulls() {
        List<String> details = new ArrayList<>(List.of("one", "two"));
        ProvisioningException e = new ProvisioningException(ErrorCode.INVALID_WORKFLOW, "msg", "src", details, null);
        details.add("three");
        assertThat(e.details()).containsExactly("one", "two");
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_WORKFLOW);
        assertThat(e.where()).isEqualTo("src");

        ProvisioningException plain = new ProvisioningException(ErrorCode.INTERNAL, "boom");
        assertThat(plain.details()).isEmpty();
        assertThat(plain.where()).isNull();
        assertThat(new ProvisioningException(ErrorCode.INTERNAL, "x", null, null, null).details()).isEmpty();
    }
}
