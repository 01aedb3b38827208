// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title GasPayingToken
/// @notice What L1 and L2 share about a chain's native asset: ETH, or an L1 ERC-20 (a "custom
///         gas token", as in the OP Stack design). The L2 native balance always has 18
///         decimals; a token with `d` decimals is worth `10**(18 - d)` L2 wei per token unit.
library GasPayingToken {
    /// @notice Stands for ether where a token address is expected (the OP Stack's and
    ///         EIP-7528's constant).
    address internal constant ETHER = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    /// @notice Largest supported token decimals: the L2 native balance has 18, and a token with
    ///         more could not be represented without rounding.
    uint8 internal constant MAX_DECIMALS = 18;

    /// @notice L2 wei per token unit for a token with `decimals` (≤ {MAX_DECIMALS}).
    function unit(uint8 decimals) internal pure returns (uint256) {
        return 10 ** uint256(MAX_DECIMALS - decimals);
    }
}
