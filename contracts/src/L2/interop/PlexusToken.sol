// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {SuperchainERC20} from "./SuperchainERC20.sol";

/// @title PlexusToken
/// @notice The network's reference SuperchainERC20, "Plexus Token" (PLX, 18 decimals), at
///         0x4200…0500 on every chain.
/// @dev Installed as runtime code in the genesis alloc, where no constructor runs: the name
///      and symbol are constants in code, and the initial balances and total supply are genesis
///      storage written by `rollupGenesis` against OpenZeppelin 5.x ERC20's layout:
///        slot 0  mapping(address => uint256) _balances   → balance of `a` at keccak256(abi.encode(a, 0))
///        slot 2  uint256 _totalSupply
///      (slot 1 allowances; slots 3 and 4, `_name`/`_symbol`, stay empty). Neither this contract
///      nor SuperchainERC20 declares storage, so those slots are OpenZeppelin's; a test reads
///      `balanceOf`/`totalSupply` on a genesis chain to hold that true.
contract PlexusToken is SuperchainERC20 {
    constructor() ERC20("", "") {}

    function name() public pure override returns (string memory) {
        return "Plexus Token";
    }

    function symbol() public pure override returns (string memory) {
        return "PLX";
    }
}
