// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DevGasToken
/// @notice The L1 ERC-20 Plexus deploys on the embedded dev L1 for a chain configured with a
///         gas token but no L1 address (e.g. a USDC-like 6-decimal token): any name, symbol
///         and decimals, `amountEach` minted to each of `holders` (the dev accounts), and
///         more mintable by the deployer.
contract DevGasToken is ERC20, Ownable {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address[] memory holders, uint256 amountEach)
        ERC20(name_, symbol_)
        Ownable(msg.sender)
    {
        _decimals = decimals_;
        for (uint256 i = 0; i < holders.length; i++) _mint(holders[i], amountEach);
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` new tokens to `to`. Only the owner (the deployer) may mint.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
