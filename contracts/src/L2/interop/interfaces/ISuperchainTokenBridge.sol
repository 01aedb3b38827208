// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISuperchainTokenBridge
/// @notice ABI of the SuperchainTokenBridge predeploy (0x4200…0028), matching the OP Stack
///         interface `interfaces/L2/ISuperchainTokenBridge.sol` (events `SendERC20` /
///         `RelayERC20`, as the deployed contract emits them; the spec prose says
///         `SentERC20` / `RelayedERC20`).
interface ISuperchainTokenBridge {
    error ZeroAddress();
    error Unauthorized();
    error InvalidCrossDomainSender();
    error InvalidERC7802();

    event SendERC20(
        address indexed token, address indexed from, address indexed to, uint256 amount, uint256 destination
    );

    event RelayERC20(address indexed token, address indexed from, address indexed to, uint256 amount, uint256 source);

    function version() external view returns (string memory);

    function sendERC20(address _token, address _to, uint256 _amount, uint256 _chainId)
        external
        returns (bytes32 msgHash_);

    function relayERC20(address _token, address _from, address _to, uint256 _amount) external;
}
