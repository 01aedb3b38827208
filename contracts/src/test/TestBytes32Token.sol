// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TestBytes32Token
/// @notice For test/contracts: an old-style token whose `name()`/`symbol()` return bytes32 and
///         which has no `decimals()`, so the portal must fall back instead of reverting.
contract TestBytes32Token {
    mapping(address => uint256) public balanceOf;

    constructor() {
        balanceOf[msg.sender] = 1_000_000 ether;
    }

    function name() external pure returns (bytes32) {
        return "Old Token";
    }

    function symbol() external pure returns (bytes32) {
        return "OLD";
    }

    /// @notice No allowance check: test-only.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}
