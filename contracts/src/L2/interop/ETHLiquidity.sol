// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../../shared/Predeploys.sol";
import {L1Block} from "../L1Block.sol";
import {IETHLiquidity} from "./interfaces/IETHLiquidity.sol";
import {SafeSend} from "./SafeSend.sol";

/// @title ETHLiquidity
/// @notice Predeploy at 0x4200…0025: the native-asset reserve that lets the SuperchainETHBridge
///         move ETH between chains without an EVM change to create ETH. Bridging out burns ETH
///         into this contract; bridging in mints it back out. The genesis gives it
///         type(uint248).max wei, far more than can ever be minted, so a mint never lacks funds.
///         Inert on a chain whose native asset is a custom gas token: burn and mint revert.
/// @dev Installed as runtime code in the genesis alloc (no constructor, no storage).
contract ETHLiquidity is IETHLiquidity {
    string public constant version = "1.0.0";

    /// @notice Takes `msg.value` out of circulation; only the SuperchainETHBridge.
    function burn() external payable {
        if (msg.sender != Predeploys.SUPERCHAIN_ETH_BRIDGE) revert Unauthorized();
        _requireEther();
        emit LiquidityBurned(msg.sender, msg.value);
    }

    /// @notice Sends `_amount` to the caller without running its code; only the SuperchainETHBridge.
    function mint(uint256 _amount) external {
        if (msg.sender != Predeploys.SUPERCHAIN_ETH_BRIDGE) revert Unauthorized();
        _requireEther();
        SafeSend.send(msg.sender, _amount);
        emit LiquidityMinted(msg.sender, _amount);
    }

    /// @notice Adds liquidity; anyone, any non-zero amount.
    function fund() external payable {
        if (msg.value == 0) revert InvalidAmount();
        emit LiquidityFunded(msg.sender, msg.value);
    }

    function _requireEther() private view {
        if (L1Block(Predeploys.L1_BLOCK).isCustomGasToken()) revert NotSupportedOnCustomGasToken();
    }
}
