// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title AddressAlias
/// @notice The L1→L2 sender alias for contract callers. A contract at address A on L1 is not
///         necessarily controlled by whoever deployed code at A on L2, so a deposit sent by a
///         contract appears on L2 from `A + OFFSET` instead; L2 contracts that trust an L1
///         contract check for its alias. The offset is the OP Stack's, so existing tooling
///         and audited L2 code keep working.
library AddressAlias {
    /// @notice Added to an L1 contract address (modulo 2^160) to get its L2 alias.
    uint160 internal constant OFFSET = uint160(0x1111000000000000000000000000000000001111);

    /// @notice The L2 alias of an L1 contract address; wraps around on overflow.
    function applyL1ToL2Alias(address l1Address) internal pure returns (address) {
        unchecked {
            return address(uint160(l1Address) + OFFSET);
        }
    }

    /// @notice Inverse of {applyL1ToL2Alias}.
    function undoL1ToL2Alias(address l2Address) internal pure returns (address) {
        unchecked {
            return address(uint160(l2Address) - OFFSET);
        }
    }
}
