// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISuperchainETHBridge
/// @notice ABI of the SuperchainETHBridge predeploy (0x4200…0024), matching the OP Stack
///         interface `interfaces/L2/ISuperchainETHBridge.sol` (specs/interop/superchain-eth-bridge.md).
interface ISuperchainETHBridge {
    error Unauthorized();
    error InvalidCrossDomainSender();
    error ZeroAddress();
    /// @notice Plexus addition: the chain's native asset is an L1 ERC-20 (custom gas token), not
    ///         ETH, so there is no ETH to move (the OP Stack refuses the same way).
    error NotSupportedOnCustomGasToken();

    event SendETH(address indexed from, address indexed to, uint256 amount, uint256 destination);

    event RelayETH(address indexed from, address indexed to, uint256 amount, uint256 source);

    function version() external view returns (string memory);

    function sendETH(address _to, uint256 _chainId) external payable returns (bytes32 msgHash_);

    function relayETH(address _from, address _to, uint256 _amount) external;
}
