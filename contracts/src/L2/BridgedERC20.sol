// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BridgedERC20
/// @notice The L2 representation of an L1 token, created by the L2 standard bridge with
///         CREATE2 on the token's first deposit. Only the bridge mints (on deposit) and burns
///         (on withdrawal), so the supply always equals what the chain holds in L1 escrow.
/// @dev The constructor takes no arguments so that the init code, and with it the token's
///      address, depends only on the L1 token (the CREATE2 salt): anyone can compute the L2
///      address before the first deposit. Metadata is therefore set once, by {initialize}.
contract BridgedERC20 is ERC20 {
    /// @notice The bridge that created this token (a constructor does run for CREATE2).
    address public immutable bridge;
    /// @notice The L1 token this one represents.
    address public l1Token;

    string private _tokenName;
    string private _tokenSymbol;
    uint8 private _tokenDecimals;

    error NotBridge(address caller);
    error AlreadyInitialized();
    error InvalidL1Token();

    modifier onlyBridge() {
        if (msg.sender != bridge) revert NotBridge(msg.sender);
        _;
    }

    constructor() ERC20("", "") {
        bridge = msg.sender;
    }

    /// @notice Sets the L1 token and the metadata copied from it; once.
    function initialize(address l1Token_, string calldata name_, string calldata symbol_, uint8 decimals_)
        external
        onlyBridge
    {
        if (l1Token != address(0)) revert AlreadyInitialized();
        if (l1Token_ == address(0)) revert InvalidL1Token();
        l1Token = l1Token_;
        _tokenName = name_;
        _tokenSymbol = symbol_;
        _tokenDecimals = decimals_;
    }

    function mint(address to, uint256 amount) external onlyBridge {
        _mint(to, amount);
    }

    /// @notice Burns without an allowance: the bridge burns only for `from`'s own withdrawal.
    function burn(address from, uint256 amount) external onlyBridge {
        _burn(from, amount);
    }

    function name() public view override returns (string memory) {
        return _tokenName;
    }

    function symbol() public view override returns (string memory) {
        return _tokenSymbol;
    }

    function decimals() public view override returns (uint8) {
        return _tokenDecimals;
    }
}
