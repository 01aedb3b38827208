// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Predeploys} from "../../shared/Predeploys.sol";
import {IERC7802} from "./interfaces/IERC7802.sol";
import {ISuperchainERC20} from "./interfaces/ISuperchainERC20.sol";

/// @title SuperchainERC20
/// @notice An OpenZeppelin ERC-20 that implements ERC-7802 for the SuperchainTokenBridge, the
///         only address allowed to mint and burn through it. Deployed at the same address on
///         every chain, its supply moves between chains with the bridge.
/// @dev Adds no storage of its own: a token derived from it keeps OpenZeppelin's ERC20 layout
///      (slot 0 balances, 1 allowances, 2 totalSupply, 3 name, 4 symbol) unless it adds its own.
abstract contract SuperchainERC20 is ERC20, ISuperchainERC20 {
    modifier onlyTokenBridge() {
        if (msg.sender != Predeploys.SUPERCHAIN_TOKEN_BRIDGE) revert Unauthorized();
        _;
    }

    /// @inheritdoc IERC7802
    function crosschainMint(address _to, uint256 _amount) external onlyTokenBridge {
        _mint(_to, _amount);
        emit CrosschainMint(_to, _amount, msg.sender);
    }

    /// @inheritdoc IERC7802
    /// @dev No allowance: the bridge burns only from the account that called `sendERC20`.
    function crosschainBurn(address _from, uint256 _amount) external onlyTokenBridge {
        _burn(_from, _amount);
        emit CrosschainBurn(_from, _amount, msg.sender);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 _interfaceId) public view virtual returns (bool) {
        return _interfaceId == type(IERC7802).interfaceId || _interfaceId == type(IERC20).interfaceId
            || _interfaceId == type(IERC165).interfaceId;
    }

    function version() external view virtual returns (string memory) {
        return "1.0.0";
    }
}
