// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DevToken
/// @notice A plain ERC-20 for tests and the benchmark: the deployer receives the initial
///         supply and owns minting. `fail` always reverts with the given reason so tests
///         can check revert-reason plumbing end to end.
contract DevToken is ERC20, Ownable {
    /// @notice Minted to the deployer at construction: one billion tokens (18 decimals).
    uint256 public constant INITIAL_SUPPLY = 1_000_000_000 ether;

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) Ownable(msg.sender) {
        _mint(msg.sender, INITIAL_SUPPLY);
    }

    /// @notice Mints `amount` new tokens to `to`. Only the owner may mint.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Always reverts with `reason` (an `Error(string)` revert).
    function fail(string calldata reason) external pure {
        require(false, reason);
    }
}
