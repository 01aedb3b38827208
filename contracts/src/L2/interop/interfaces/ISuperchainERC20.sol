// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC7802} from "./IERC7802.sol";

/// @title ISuperchainERC20
/// @notice An ERC-20 that the SuperchainTokenBridge may mint and burn (OP Stack
///         `interfaces/L2/ISuperchainERC20.sol`).
interface ISuperchainERC20 is IERC7802, IERC20 {
    /// @notice A crosschain mint or burn from anyone but the SuperchainTokenBridge.
    error Unauthorized();

    function version() external view returns (string memory);
}
