// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IETHLiquidity
/// @notice ABI of the ETHLiquidity predeploy (0x4200…0025), matching the OP Stack interface
///         `interfaces/L2/IETHLiquidity.sol` (newest version, with `fund`).
interface IETHLiquidity {
    error Unauthorized();
    error InvalidAmount();
    /// @notice Plexus addition: the chain's native asset is a custom gas token, not ETH.
    error NotSupportedOnCustomGasToken();

    event LiquidityBurned(address indexed caller, uint256 value);
    event LiquidityMinted(address indexed caller, uint256 value);
    event LiquidityFunded(address indexed funder, uint256 amount);

    function version() external view returns (string memory);

    function burn() external payable;

    function mint(uint256 _amount) external;

    function fund() external payable;
}
