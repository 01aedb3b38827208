// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title IERC7802
/// @notice Crosschain mint and burn of an ERC-20 (ERC-7802), as in the OP Stack's
///         `interfaces/L2/IERC7802.sol`. Its ERC-165 interface id is 0x33331994.
interface IERC7802 is IERC165 {
    event CrosschainMint(address indexed to, uint256 amount, address indexed sender);

    event CrosschainBurn(address indexed from, uint256 amount, address indexed sender);

    function crosschainMint(address _to, uint256 _amount) external;

    function crosschainBurn(address _from, uint256 _amount) external;
}
